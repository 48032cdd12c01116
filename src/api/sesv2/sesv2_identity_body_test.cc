// identity_body() and create_body() write the bytes the nlohmann tree they
// replaced dumped: that tree is kept here, as it was, and both renderings
// are compared for identities of every shape GetEmailIdentity can answer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/sesv2/sesv2_wire.h"

namespace vouch::api::sesv2 {
namespace {

using nlohmann::json;
using service::DkimStatus;
using service::EmailIdentity;
using service::MailFromStatus;
using service::VerificationError;

// ---- the tree rendering, as it was -----------------------------------------------

int64_t epoch_seconds(core::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string_view key_length(int bits) { return bits == 1024 ? "RSA_1024_BIT" : "RSA_2048_BIT"; }

std::string_view old_mail_from_status(MailFromStatus s) {
  switch (s) {
    case MailFromStatus::kPending: return "PENDING";
    case MailFromStatus::kSuccess: return "SUCCESS";
    case MailFromStatus::kFailed: return "FAILED";
    case MailFromStatus::kTemporaryFailure: return "TEMPORARY_FAILURE";
  }
  return "PENDING";
}

json old_dkim_json(const EmailIdentity& e) {
  const auto& d = e.dkim;
  if (d.tokens.empty()) {
    return {{"SigningEnabled", false},
            {"Status", "NOT_STARTED"},
            {"SigningAttributesOrigin", "AWS_SES"},
            {"NextSigningKeyLength", "RSA_1024_BIT"}};
  }
  if (d.external) {
    return {{"SigningEnabled", d.signing_enabled},
            {"Status", dkim_status_name(d.status)},
            {"Tokens", d.tokens},
            {"SigningAttributesOrigin", "EXTERNAL"}};
  }
  return {{"SigningEnabled", d.signing_enabled},
          {"Status", dkim_status_name(d.status)},
          {"Tokens", d.tokens},
          {"SigningHostedZone", "dkim.amazonses.com"},
          {"SigningAttributesOrigin", "AWS_SES"},
          {"NextSigningKeyLength", key_length(d.key_bits)},
          {"CurrentSigningKeyLength", key_length(d.key_bits)},
          {"LastKeyGenerationTimestamp", epoch_seconds(e.dkim_keys_at)}};
}

json old_verification_info_json(const service::VerificationInfo& v) {
  json info = json::object();
  if (v.last_checked) info["LastCheckedTimestamp"] = epoch_seconds(*v.last_checked);
  if (v.last_success) info["LastSuccessTimestamp"] = epoch_seconds(*v.last_success);
  if (v.error) info["ErrorType"] = verification_error_name(*v.error);
  if (v.soa) {
    info["SOARecord"] = {{"PrimaryNameServer", v.soa->primary_ns},
                         {"AdminEmail", v.soa->admin},
                         {"SerialNumber", v.soa->serial}};
  }
  return info;
}

json old_mail_from_json(const service::MailFromView& m) {
  json j{{"BehaviorOnMxFailure", m.reject_on_mx_failure ? "REJECT_MESSAGE" : "USE_DEFAULT_VALUE"}};
  if (!m.domain.empty()) {
    j["MailFromDomain"] = m.domain;
    j["MailFromDomainStatus"] = old_mail_from_status(m.status);
  }
  return j;
}

json old_identity_json(const EmailIdentity& e) {
  json info = old_verification_info_json(e.verification);
  return {{"IdentityType", identity_type(e.kind)},
          {"FeedbackForwardingStatus", true},
          {"VerifiedForSendingStatus", sending_enabled(e.status)},
          {"DkimAttributes", old_dkim_json(e)},
          {"MailFromAttributes", old_mail_from_json(e.mail_from)},
          {"Policies", json::object()},
          {"Tags", tags_json(e.tags)},
          {"VerificationStatus", status_name(e.status)},
          {"VerificationInfo", std::move(info)}};
}

json old_create_json(const EmailIdentity& e) {
  json j{{"IdentityType", identity_type(e.kind)},
         {"VerifiedForSendingStatus", sending_enabled(e.status)}};
  if (e.kind == core::ClaimKind::kSesDomain) j["DkimAttributes"] = old_dkim_json(e);
  return j;
}

std::string dumped(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// ---- the shapes ----------------------------------------------------------------------

const core::TimePoint T0 = core::TimePoint(std::chrono::seconds(1'796'434'446));

EmailIdentity domain() {
  EmailIdentity e;
  e.name = "example.com";
  e.dkim.status = DkimStatus::kPending;
  e.dkim.tokens = {"cgo6nuenowpz6uibnovo7qnq2tbcwzzk", "bapoygnoxl2l74idrrha37igniqwmuwn",
                   "etcefc2i4vdxzs6rhjmqs55c64tqtkuy"};
  e.dkim.signing_enabled = true;
  e.dkim_keys_at = T0;
  return e;
}

EmailIdentity checked(VerificationError error) {
  EmailIdentity e = domain();
  e.verification.last_checked = T0 + std::chrono::seconds(90);
  e.verification.error = error;
  e.verification.soa = core::Soa{"ns1.example.com", "hostmaster.example.com", 2026120401};
  return e;
}

std::vector<std::pair<std::string, EmailIdentity>> shapes() {
  std::vector<std::pair<std::string, EmailIdentity>> out;
  out.emplace_back("unchecked domain", domain());
  for (auto error : {VerificationError::kHostNotFound, VerificationError::kTypeNotFound,
                     VerificationError::kInvalidValue, VerificationError::kDnsServerError,
                     VerificationError::kServiceError}) {
    out.emplace_back("checked, " + std::string(verification_error_name(error)), checked(error));
  }
  EmailIdentity no_soa = checked(VerificationError::kHostNotFound);
  no_soa.verification.soa.reset();
  out.emplace_back("checked without SOA", no_soa);

  EmailIdentity verified = domain();
  verified.status = core::ClaimStatus::kVerified;
  verified.dkim.status = DkimStatus::kSuccess;
  verified.last_success = verified.verification.last_success = T0 + std::chrono::seconds(60);
  verified.verification.last_checked = T0 + std::chrono::seconds(120);
  verified.verification.soa = core::Soa{"a.ns", "root.a.ns", 0};
  out.emplace_back("verified", verified);

  EmailIdentity byo = domain();
  byo.dkim.external = true;
  byo.dkim.tokens = {"selector1"};
  byo.dkim.status = DkimStatus::kFailed;
  byo.status = core::ClaimStatus::kFailed;
  out.emplace_back("BYODKIM", byo);

  EmailIdentity short_keys = domain();
  short_keys.dkim.key_bits = 1024;
  short_keys.dkim.signing_enabled = false;
  short_keys.dkim.status = DkimStatus::kTemporaryFailure;
  short_keys.status = core::ClaimStatus::kUnconfirmed;
  out.emplace_back("1024-bit keys, signing off", short_keys);

  for (auto s : {MailFromStatus::kPending, MailFromStatus::kSuccess, MailFromStatus::kFailed,
                 MailFromStatus::kTemporaryFailure}) {
    EmailIdentity m = domain();
    m.mail_from.domain = "bounce.example.com";
    m.mail_from.status = s;
    m.mail_from.reject_on_mx_failure = s == MailFromStatus::kFailed;
    out.emplace_back("MAIL FROM " + std::to_string(static_cast<int>(s)), m);
  }
  EmailIdentity reject_only = domain();
  reject_only.mail_from.reject_on_mx_failure = true;
  out.emplace_back("MAIL FROM unset, REJECT_MESSAGE", reject_only);

  EmailIdentity tagged = domain();
  tagged.tags = {{"team", "mail"}, {"a \"quoted\" key", "line\nbreak \xc3\xa9 \xff"}, {"", ""}};
  out.emplace_back("tags", tagged);

  EmailIdentity address;
  address.name = "user@example.com";
  address.kind = core::ClaimKind::kSesEmail;
  address.status = core::ClaimStatus::kVerified;
  address.last_success = address.verification.last_success = T0;
  address.verification.last_checked = T0;
  out.emplace_back("email address", address);

  EmailIdentity under_domain = address;  // an address under a DKIM domain shows its DKIM
  under_domain.dkim = domain().dkim;
  under_domain.dkim_keys_at = T0;
  out.emplace_back("email address under a DKIM domain", under_domain);

  EmailIdentity no_dkim = domain();
  no_dkim.dkim = {};
  out.emplace_back("domain without DKIM", no_dkim);
  return out;
}

TEST(Sesv2IdentityBodyTest, GetEmailIdentityBytesAreTheTreesBytes) {
  for (const auto& [name, e] : shapes()) {
    EXPECT_EQ(identity_body(e), dumped(old_identity_json(e))) << name;
  }
}

TEST(Sesv2IdentityBodyTest, CreateEmailIdentityBytesAreTheTreesBytes) {
  for (const auto& [name, e] : shapes()) {
    EXPECT_EQ(create_body(e), dumped(old_create_json(e))) << name;
  }
}

TEST(Sesv2IdentityBodyTest, ACheckedDomainReadsAsAwsSendsIt) {
  // Pinned bytes beside the comparison: a change to both renderings shows here.
  EXPECT_EQ(
      identity_body(checked(VerificationError::kInvalidValue)),
      R"({"DkimAttributes":{"CurrentSigningKeyLength":"RSA_2048_BIT","LastKeyGenerationTimestamp":1796434446,)"
      R"("NextSigningKeyLength":"RSA_2048_BIT","SigningAttributesOrigin":"AWS_SES","SigningEnabled":true,)"
      R"("SigningHostedZone":"dkim.amazonses.com","Status":"PENDING","Tokens":["cgo6nuenowpz6uibnovo7qnq2tbcwzzk",)"
      R"("bapoygnoxl2l74idrrha37igniqwmuwn","etcefc2i4vdxzs6rhjmqs55c64tqtkuy"]},"FeedbackForwardingStatus":true,)"
      R"("IdentityType":"DOMAIN","MailFromAttributes":{"BehaviorOnMxFailure":"USE_DEFAULT_VALUE"},"Policies":{},)"
      R"("Tags":[],"VerificationInfo":{"ErrorType":"INVALID_VALUE","LastCheckedTimestamp":1796434536,)"
      R"("SOARecord":{"AdminEmail":"hostmaster.example.com","PrimaryNameServer":"ns1.example.com",)"
      R"("SerialNumber":2026120401}},"VerificationStatus":"PENDING","VerifiedForSendingStatus":false})");
}

}  // namespace
}  // namespace vouch::api::sesv2
