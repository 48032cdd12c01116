#include "api/operation_label.h"

#include <gtest/gtest.h>

#include <string>

namespace vouch::api {
namespace {

OperationName name_of(std::string method, std::string target, std::string body = "") {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  return operation_name(r);
}

TEST(OperationName, SesActionFromBodyOrQuery) {
  auto n = name_of("POST", "/", "Version=2010-12-01&Action=GetIdentityVerificationAttributes");
  EXPECT_EQ(n.api, "ses");
  EXPECT_EQ(n.operation, "GetIdentityVerificationAttributes");
  EXPECT_EQ(name_of("GET", "/?Action=ListIdentities").operation, "ListIdentities");
}

TEST(OperationName, UnknownSesActionIsOtherNotTheClientsWord) {
  EXPECT_EQ(name_of("POST", "/", "Action=SendEmail").operation, "other");
  EXPECT_EQ(name_of("POST", "/", "Action=evil.example.com").operation, "other");
  EXPECT_EQ(name_of("POST", "/", "Version=2010-12-01").operation, "other");
}

TEST(OperationName, SesV2ByMethodAndPathShape) {
  EXPECT_EQ(name_of("GET", "/v2/email/identities/example.com").operation, "GetEmailIdentity");
  EXPECT_EQ(name_of("DELETE", "/v2/email/identities/a%40b.com").operation, "DeleteEmailIdentity");
  EXPECT_EQ(name_of("POST", "/v2/email/identities").operation, "CreateEmailIdentity");
  EXPECT_EQ(name_of("GET", "/v2/email/identities?PageSize=5").operation, "ListEmailIdentities");
  EXPECT_EQ(name_of("PUT", "/v2/email/identities/x.com/dkim/signing").operation,
            "PutEmailIdentityDkimSigningAttributes");
  EXPECT_EQ(name_of("PUT", "/v2/email/identities/x.com/mail-from").operation,
            "PutEmailIdentityMailFromAttributes");
  EXPECT_EQ(name_of("GET", "/v2/email/nothing").api, "sesv2");
  EXPECT_EQ(name_of("GET", "/v2/email/nothing").operation, "other");
}

TEST(OperationName, LatticeAdminTestMail) {
  EXPECT_EQ(name_of("POST", "/domainverifications").operation, "StartDomainVerification");
  EXPECT_EQ(name_of("GET", "/domainverifications/dv-1").operation, "GetDomainVerification");
  EXPECT_EQ(name_of("GET", "/tags/arn%3Aaws").operation, "ListTagsForResource");
  EXPECT_EQ(name_of("GET", "/_vouch/claims").api, "admin");
  EXPECT_EQ(name_of("POST", "/_vouch/claims/c-1/check").operation, "CheckClaim");
  EXPECT_EQ(name_of("POST", "/_vouch/test/run-due-checks").operation, "run-due-checks");
  EXPECT_EQ(name_of("GET", "/_aws/ses").api, "mail");
  EXPECT_EQ(name_of("GET", "/favicon.ico").api, "other");
  EXPECT_EQ(name_of("GET", "/favicon.ico").operation, "other");
}

}  // namespace
}  // namespace vouch::api
