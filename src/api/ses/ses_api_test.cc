// SesApi end to end without a socket: signed http::Request values go through
// SesApi::handle into a real IdentityService over SQLite in a temp dir; the XML
// that comes back is compared byte for byte (golden files in
// tests/testdata/ses/; VOUCH_UPDATE_GOLDEN=1 rewrites them).
#include "api/ses/ses_api.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "api/api_test_util.h"
#include "api/ses/ses_wire.h"
#include "api/ses/xml.h"
#include "auth/sigv4.h"
#include "core/status_machine.h"
#include "service/accounts.h"
#include "store/forwarding_store.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace vouch::api::ses {
namespace {

using namespace std::chrono_literals;

const core::TimePoint kNow{std::chrono::seconds(1767227400)};  // 2026-01-01T00:30:00Z
constexpr char kAccount[] = "123456789012";
constexpr char kKey[] = "AKIAVOUCHTESTKEY0001";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kRequestId[] = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
constexpr char kFormType[] = "application/x-www-form-urlencoded; charset=utf-8";
constexpr const char* kMismatch = test_util::kSignatureMismatch;

// ---------------------------------------------------------------------------
// Fixture pieces.

using test_util::open_sqlite;
using testing::TempDir;  // a scratch directory that removes itself

// Runs SQL on the store's database file behind its back (fault injection).
void sql(const std::string& db_path, const char* statement) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, statement, nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

struct Signer {
  std::string key = kKey;
  std::string secret = kSecret;
  std::string region = "us-east-1";
  std::string service = "ses";
};

// The whole request path with deterministic time, randomness and page tokens.
// A store whose identity reads complete later, on another thread, as
// PostgreSQL's do: the front end must answer those through http::Async.
class LaterReads : public store::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  bool queues_identity_read(size_t) const override { return true; }
  void with_identities_later(const core::Scope& scope, std::vector<std::string> subjects,
                             IdentitiesDone fn) override {
    pending_.push_back([this, scope, subjects = std::move(subjects), fn = std::move(fn)] {
      core::ClaimStore::with_identities_later(scope, subjects, fn);
    });
  }
  size_t pending() const { return pending_.size(); }
  // Completes the reads asked so far, on a thread of its own.
  void complete_elsewhere() {
    auto reads = std::move(pending_);
    pending_.clear();
    std::thread([&reads] {
      for (auto& r : reads) r();
    }).join();
  }

 private:
  std::vector<std::function<void()>> pending_;
};

struct Env {
  explicit Env(std::map<std::string, double> rates = {}, service::IdentityOptions options = {},
               bool reads_later = false)
      : sqlite(open_sqlite(dir.path() + "/vouch.db")),
        later(reads_later ? std::make_unique<LaterReads>(std::move(sqlite)) : nullptr),
        limiter(clock, std::move(rates)),
        identities(served, clock, random, limiter, tokens, options),
        accounts(store),
        auth(accounts, clock, {}),
        api(identities, auth) {
    auto s = store.put_account(core::Account{kAccount, kKey, kSecret});
    EXPECT_TRUE(s.ok()) << s.error().message;
  }

  // A header-signed request, signed now unless told otherwise.
  http::Request request(const std::string& method, const std::string& target,
                        const std::string& body, std::optional<core::TimePoint> when = {},
                        const Signer& signer = {}) const {
    return test_util::signed_request(method, target, body,
                                     {signer.key, signer.secret, signer.region, signer.service},
                                     when.value_or(clock.now()), method == "POST" ? kFormType : "");
  }
  http::Request post(const std::string& body) const { return request("POST", "/", body); }

  http::HandlerResult outcome(http::Request req) {
    req.request_id = kRequestId;
    return api.handle(req);
  }
  // Runs deferred work the way the server would, on this thread.
  http::Response run(http::Request req) {
    http::HandlerResult o = outcome(std::move(req));
    if (auto* d = std::get_if<http::Deferred>(&o)) return (*d)();
    return std::get<http::Response>(std::move(o));
  }
  // POST / with `Action=<action>&Version=2010-12-01&<params>`.
  http::Response call(const std::string& action, const std::string& params = "") {
    std::string body = "Action=" + action + "&Version=2010-12-01";
    if (!params.empty()) body += "&" + params;
    return run(post(body));
  }

  // Marks an identity as seen (TXT found or link clicked).
  void mark_verified(const std::string& subject) {
    auto found = store.find_identity(core::Scope{kAccount, "us-east-1"}, subject);
    ASSERT_TRUE(found.ok() && found->has_value()) << subject;
    core::Claim c = **found;
    c = core::apply_check(core::policy_for(c.kind), std::move(c), core::CheckOutcome::kFound,
                          clock.now());
    auto updated = store.update_claim(std::move(c));
    ASSERT_TRUE(updated.ok()) << updated.error().message;
  }

  TempDir dir;
  std::unique_ptr<store::sqlite::SqliteStore> sqlite;
  store::sqlite::SqliteStore& store = *sqlite;
  std::unique_ptr<LaterReads> later;  // with reads_later: owns the SQLite store
  core::Store& served = later ? static_cast<core::Store&>(*later) : store;
  core::ManualClock clock{kNow};
  core::SeededRandom random{20260101};
  service::RateLimiter limiter;
  service::PageTokens tokens{std::string(32, 'k')};
  service::IdentityService identities;
  service::Accounts accounts;
  Authenticator auth;
  SesApi api;
};

// ---------------------------------------------------------------------------
// Assertions.

std::string golden_path(const std::string& name) {
  return std::string(VOUCH_TESTDATA) + "/ses/" + name;
}

std::string read_golden(const std::string& name) {
  std::ifstream in(golden_path(name), std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "missing golden file " << golden_path(name);
    return {};
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (!text.empty() && text.back() == '\n') text.pop_back();  // files end with a newline
  return text;
}

void expect_golden(const http::Response& r, const std::string& name, int status = 200) {
  if (std::getenv("VOUCH_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden_path(name), std::ios::binary) << r.body << "\n";
  }
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.content_type, "text/xml");
  EXPECT_EQ(r.body, read_golden(name)) << "golden " << name;
}

std::string error_xml(std::string_view type, std::string_view code, std::string_view message) {
  return "<ErrorResponse xmlns=\"http://ses.amazonaws.com/doc/2010-12-01/\"><Error><Type>" +
         std::string(type) + "</Type><Code>" + std::string(code) + "</Code><Message>" +
         std::string(message) + "</Message></Error><RequestId>" + kRequestId +
         "</RequestId></ErrorResponse>";
}

// `message` as sent, before XML escaping (xml_test.cc covers the escaping).
void expect_sender_error(const http::Response& r, int status, std::string_view code,
                         std::string_view message) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.content_type, "text/xml");
  EXPECT_EQ(r.body, error_xml("Sender", code, xml_escape(message)));
}

std::string identities_params(int n, const std::string& stem = "d") {
  std::string p;
  for (int i = 1; i <= n; ++i) {
    if (!p.empty()) p += "&";
    p += "Identities.member." + std::to_string(i) + "=" + stem + std::to_string(i) + ".example.com";
  }
  return p;
}

// The text between <tag> and </tag>, or "".
std::string element(const std::string& xml, const std::string& tag) {
  auto open = xml.find("<" + tag + ">");
  if (open == std::string::npos) return "";
  open += tag.size() + 2;
  auto close = xml.find("</" + tag + ">", open);
  return close == std::string::npos ? "" : xml.substr(open, close - open);
}

// ---------------------------------------------------------------------------
// Success shapes (spec §3.2, §3.5).

TEST(SesApi, VerifyDomainIdentity) {
  Env env;
  http::HandlerResult o = env.outcome(
      env.post("Action=VerifyDomainIdentity&Version=2010-12-01&Domain=Example.COM"));
  ASSERT_TRUE(std::holds_alternative<http::Deferred>(o)) << "a write must run off the I/O thread";
  http::Response r = std::get<http::Deferred>(o)();
  expect_golden(r, "verify_domain_identity.xml");
  std::string token = element(r.body, "VerificationToken");
  EXPECT_EQ(token.size(), 44u);
  EXPECT_EQ(token.back(), '=');

  // The same domain (any case) gets the same token again.
  http::Response again = env.call("VerifyDomainIdentity", "Domain=example.com");
  EXPECT_EQ(again.body, r.body);
}

TEST(SesApi, VerifyEmailIdentityHasEmptyResult) {
  Env env;
  http::HandlerResult o = env.outcome(
      env.post("Action=VerifyEmailIdentity&Version=2010-12-01&EmailAddress=user%40example.com"));
  ASSERT_TRUE(std::holds_alternative<http::Deferred>(o));
  expect_golden(std::get<http::Deferred>(o)(), "verify_email_identity.xml");
}

TEST(SesApi, VerifyEmailAddressHasNoResult) {
  Env env;
  http::Response r = env.call("VerifyEmailAddress", "EmailAddress=user%40example.com");
  expect_golden(r, "verify_email_address.xml");
  EXPECT_EQ(r.body.find("Result"), std::string::npos);
  // It created the identity, like VerifyEmailIdentity.
  expect_golden(env.call("ListIdentities"), "list_identities_one_email.xml");
}

TEST(SesApi, DeleteIdentityHasEmptyResult) {
  Env env;
  env.call("VerifyDomainIdentity", "Domain=example.com");
  http::Response r = env.call("DeleteIdentity", "Identity=example.com");
  expect_golden(r, "delete_identity.xml");
  expect_golden(env.call("ListIdentities"), "list_identities_empty.xml");
  // Deleting an unknown (or malformed) identity succeeds too (spec §7 #4).
  EXPECT_EQ(env.call("DeleteIdentity", "Identity=nobody.example.com").body, r.body);
  EXPECT_EQ(env.call("DeleteIdentity", "Identity=not..valid").body, r.body);
}

TEST(SesApi, DeleteVerifiedEmailAddressHasNoResult) {
  Env env;
  env.call("VerifyEmailIdentity", "EmailAddress=user%40example.com");
  http::Response r = env.call("DeleteVerifiedEmailAddress", "EmailAddress=user%40example.com");
  expect_golden(r, "delete_verified_email_address.xml");
  EXPECT_EQ(r.body.find("Result"), std::string::npos);
  expect_golden(env.call("ListIdentities"), "list_identities_empty.xml");
}

TEST(SesApi, GetIdentityVerificationAttributes) {
  Env env;
  env.call("VerifyDomainIdentity", "Domain=example.com");
  env.call("VerifyEmailIdentity", "EmailAddress=ok%40example.com");
  env.call("VerifyEmailIdentity", "EmailAddress=late%40example.com");
  env.call("VerifyDomainIdentity", "Domain=seen.example.org");
  env.clock.advance(25h);  // past the 24 h email window: late@ fails
  env.call("VerifyEmailIdentity", "EmailAddress=ok%40example.com");  // restarts ok@
  env.mark_verified("seen.example.org");

  http::HandlerResult o = env.outcome(
      env.post("Action=GetIdentityVerificationAttributes&Version=2010-12-01"
               "&Identities.member.1=example.com&Identities.member.2=ok%40example.com"
               "&Identities.member.3=late%40example.com&Identities.member.4=unknown.example.com"
               "&Identities.member.5=EXAMPLE.com&Identities.member.6=seen.example.org"
               "&Identities.member.7=not..valid"));
  ASSERT_TRUE(std::holds_alternative<http::Response>(o)) << "a read answers at once";
  expect_golden(std::get<http::Response>(o), "get_identity_verification_attributes.xml");
}

// Where a read is queued for a batch (PostgreSQL), the same answer comes
// through http::Async, started on the I/O thread and answered once the read
// completes elsewhere.
TEST(SesApi, GetIdentityVerificationAttributesAnswersLaterWhereReadsAreQueued) {
  for (bool reads_later : {false, true}) {
    SCOPED_TRACE(reads_later);
    Env env({}, {}, reads_later);
    env.call("VerifyDomainIdentity", "Domain=example.com");
    env.call("VerifyEmailIdentity", "EmailAddress=ok%40example.com");
    env.call("VerifyEmailIdentity", "EmailAddress=late%40example.com");
    env.call("VerifyDomainIdentity", "Domain=seen.example.org");
    env.clock.advance(25h);
    env.call("VerifyEmailIdentity", "EmailAddress=ok%40example.com");
    env.mark_verified("seen.example.org");
    const std::string body =
        "Action=GetIdentityVerificationAttributes&Version=2010-12-01"
        "&Identities.member.1=example.com&Identities.member.2=ok%40example.com"
        "&Identities.member.3=late%40example.com&Identities.member.4=unknown.example.com"
        "&Identities.member.5=EXAMPLE.com&Identities.member.6=seen.example.org"
        "&Identities.member.7=not..valid";
    http::HandlerResult o = env.outcome(env.post(body));
    if (!reads_later) {  // control: SQLite answers at once
      ASSERT_TRUE(std::holds_alternative<http::Response>(o));
      expect_golden(std::get<http::Response>(o), "get_identity_verification_attributes.xml");
      continue;
    }
    auto* a = std::get_if<http::Async>(&o);
    ASSERT_NE(a, nullptr);
    EXPECT_TRUE(a->quick_start);
    std::optional<http::Response> got;
    a->start([&](http::Response r) { got = std::move(r); });
    EXPECT_FALSE(got) << "answered before its read";
    EXPECT_EQ(env.later->pending(), 1u);
    env.later->complete_elsewhere();
    ASSERT_TRUE(got);
    expect_golden(*got, "get_identity_verification_attributes.xml");

    // A refusal before any read answers inside start.
    std::optional<http::Response> refused;
    http::HandlerResult many = env.outcome(env.post(
        "Action=GetIdentityVerificationAttributes&Version=2010-12-01&" + identities_params(101)));
    std::get<http::Async>(many).start([&](http::Response r) { refused = std::move(r); });
    ASSERT_TRUE(refused);
    EXPECT_EQ(env.later->pending(), 0u);
    expect_sender_error(*refused, 400, "InvalidParameterValue",
                        "Too many identities in the request. The maximum is 100.");
  }
}

TEST(SesApi, GetIdentityVerificationAttributesEmpty) {
  Env env;
  // botocore's empty list, and a list naming only unknown identities.
  expect_golden(env.call("GetIdentityVerificationAttributes", "Identities="),
                "get_identity_verification_attributes_empty.xml");
  expect_golden(
      env.call("GetIdentityVerificationAttributes", "Identities.member.1=unknown.example.com"),
      "get_identity_verification_attributes_empty.xml");
  // Exactly 100 is allowed.
  expect_golden(env.call("GetIdentityVerificationAttributes", identities_params(100)),
                "get_identity_verification_attributes_empty.xml");
}

TEST(SesApi, ListIdentitiesAllAndFiltered) {
  Env env;
  env.call("VerifyDomainIdentity", "Domain=example.com");
  env.call("VerifyEmailIdentity", "EmailAddress=o%27neil%26co%40example.com");
  env.call("VerifyDomainIdentity", "Domain=B%C3%BCcher.example");
  env.call("VerifyEmailAddress", "EmailAddress=User%40Example.COM");
  expect_golden(env.call("ListIdentities"), "list_identities.xml");
  expect_golden(env.call("ListIdentities", "IdentityType=Domain"), "list_identities_domains.xml");
  expect_golden(env.call("ListIdentities", "IdentityType=EmailAddress"),
                "list_identities_emails.xml");
  // MaxItems equal to the count: one page, no NextToken.
  expect_golden(env.call("ListIdentities", "MaxItems=4"), "list_identities.xml");
}

TEST(SesApi, ListIdentitiesEmpty) {
  Env env;
  expect_golden(env.call("ListIdentities"), "list_identities_empty.xml");
  expect_golden(env.call("ListIdentities", "IdentityType=Domain&NextToken="),
                "list_identities_empty.xml");
}

TEST(SesApi, ListIdentitiesPages) {
  Env env;
  env.call("VerifyDomainIdentity", "Domain=a.example.com");
  env.call("VerifyDomainIdentity", "Domain=b.example.com");
  env.call("VerifyDomainIdentity", "Domain=c.example.com");
  http::Response first = env.call("ListIdentities", "MaxItems=2");
  expect_golden(first, "list_identities_page1.xml");
  std::string token = element(first.body, "NextToken");
  ASSERT_FALSE(token.empty());
  std::string encoded;
  for (char c : token) {  // the token is opaque: send it form-encoded
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') {
      encoded += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      encoded += buf;
    }
  }
  http::Response second = env.call("ListIdentities", "MaxItems=2&NextToken=" + encoded);
  expect_golden(second, "list_identities_page2.xml");
  EXPECT_EQ(second.body.find("NextToken"), std::string::npos);
  // A token from one listing is refused by another.
  expect_sender_error(env.call("ListIdentities", "IdentityType=EmailAddress&NextToken=" + encoded),
                      400, "InvalidParameterValue", "Invalid NextToken.");
}

TEST(SesApi, ListVerifiedEmailAddresses) {
  Env env;
  expect_golden(env.call("ListVerifiedEmailAddresses"), "list_verified_email_addresses_empty.xml");
  env.call("VerifyEmailIdentity", "EmailAddress=pending%40example.com");
  env.call("VerifyEmailIdentity", "EmailAddress=a%26b%40example.com");
  env.call("VerifyEmailIdentity", "EmailAddress=done%40example.com");
  env.call("VerifyDomainIdentity", "Domain=example.com");
  env.mark_verified("a&b@example.com");
  env.mark_verified("done@example.com");
  env.mark_verified("example.com");  // domains are never listed here
  expect_golden(env.call("ListVerifiedEmailAddresses"), "list_verified_email_addresses.xml");
}

TEST(SesApi, VerifyDomainDkimAndAttributes) {
  Env env;
  env.call("VerifyDomainIdentity", "Domain=plain.example.com");
  env.call("VerifyEmailIdentity", "EmailAddress=user%40example.com");
  http::HandlerResult o = env.outcome(
      env.post("Action=VerifyDomainDkim&Version=2010-12-01&Domain=dkim.example.com"));
  ASSERT_TRUE(std::holds_alternative<http::Deferred>(o));
  http::Response dkim = std::get<http::Deferred>(o)();
  expect_golden(dkim, "verify_domain_dkim.xml");
  // Repeating returns the same three tokens.
  EXPECT_EQ(env.call("VerifyDomainDkim", "Domain=DKIM.example.com").body, dkim.body);

  expect_golden(env.call("GetIdentityDkimAttributes", "Identities.member.1=dkim.example.com"
                                                      "&Identities.member.2=plain.example.com"
                                                      "&Identities.member.3=user%40example.com"
                                                      "&Identities.member.4=unknown.example.com"),
                "get_identity_dkim_attributes.xml");
  expect_golden(env.call("GetIdentityDkimAttributes", "Identities="),
                "get_identity_dkim_attributes_empty.xml");
}

TEST(SesApi, ParametersFromGetQueryString) {
  Env env;
  env.call("VerifyDomainIdentity", "Domain=example.com");
  http::Response r = env.run(
      env.request("GET", "/?Action=ListIdentities&Version=2010-12-01&IdentityType=Domain", ""));
  expect_golden(r, "list_identities_get.xml");
}

TEST(SesApi, ParametersFromQueryAndBodyAreMerged) {
  Env env;
  http::Response r = env.run(env.request("POST", "/?Action=VerifyDomainIdentity&Version=2010-12-01",
                                         "Domain=example.com"));
  expect_golden(r, "verify_domain_identity.xml");
}

TEST(SesApi, PresignedPostAndGet) {
  Env env;
  auth::SignInput in;
  in.method = "POST";
  in.target = "/";
  in.body = "Action=VerifyDomainIdentity&Version=2010-12-01&Domain=example.com";
  in.region = "us-east-1";
  in.service = "ses";
  in.access_key_id = kKey;
  in.secret_access_key = kSecret;
  in.when = kNow - 30min;  // a presigned URL may be used after the skew window
  http::Request req;
  req.method = "POST";
  req.target = auth::presign(in, 3600s);
  req.body = in.body;
  req.headers = {{"Host", "localhost"}, {"Content-Type", kFormType}};
  expect_golden(env.run(req), "verify_domain_identity.xml");

  in.method = "GET";
  in.target = "/?Action=ListIdentities&Version=2010-12-01";
  in.body = "";
  http::Request get{"GET", auth::presign(in, 3600s), {{"Host", "localhost"}}, "", ""};
  expect_golden(env.run(get), "list_identities_presigned.xml");

  // Past X-Amz-Expires.
  http::Request expired{"GET", auth::presign(in, 60s), {{"Host", "localhost"}}, "", ""};
  expect_sender_error(env.run(expired), 403, "SignatureDoesNotMatch", "Request has expired.");
}

// ---------------------------------------------------------------------------
// Request errors.

TEST(SesApiErrors, MissingAction) {
  Env env;
  expect_golden(env.run(env.post("Version=2010-12-01")), "error_missing_action.xml", 400);
  expect_sender_error(env.run(env.post("")), 400, "MissingAction", "Missing Action");
  expect_sender_error(env.run(env.post("Action=&Version=2010-12-01")), 400, "MissingAction",
                      "Missing Action");
}

TEST(SesApiErrors, InvalidAction) {
  Env env;
  expect_sender_error(env.call("SendEmail"), 400, "InvalidAction",
                      "The action SendEmail is not valid for this web service.");
  expect_sender_error(env.call("listidentities"), 400, "InvalidAction",
                      "The action listidentities is not valid for this web service.");
  expect_sender_error(env.run(env.post("Action=ListIdentities&Version=2012-01-01")), 400,
                      "InvalidAction",
                      "The action ListIdentities is not valid for this web service.");
  expect_sender_error(env.run(env.post("Action=%3Cx%3E&Version=2010-12-01")), 400, "InvalidAction",
                      "The action <x> is not valid for this web service.");
}

TEST(SesApiErrors, MissingParameter) {
  Env env;
  auto missing = [](const char* name) {
    return std::string("The request must contain the parameter ") + name + ".";
  };
  expect_sender_error(env.call("VerifyDomainIdentity"), 400, "MissingParameter", missing("Domain"));
  expect_sender_error(env.call("VerifyDomainDkim"), 400, "MissingParameter", missing("Domain"));
  expect_sender_error(env.call("VerifyEmailIdentity"), 400, "MissingParameter",
                      missing("EmailAddress"));
  expect_sender_error(env.call("VerifyEmailAddress"), 400, "MissingParameter",
                      missing("EmailAddress"));
  expect_sender_error(env.call("DeleteVerifiedEmailAddress"), 400, "MissingParameter",
                      missing("EmailAddress"));
  expect_sender_error(env.call("DeleteIdentity"), 400, "MissingParameter", missing("Identity"));
  expect_sender_error(env.call("GetIdentityVerificationAttributes"), 400, "MissingParameter",
                      missing("Identities"));
  expect_sender_error(env.call("GetIdentityDkimAttributes", "Identities.member.2=a.example.com"),
                      400, "MissingParameter", missing("Identities"));
}

TEST(SesApiErrors, BadIdentityType) {
  Env env;
  expect_sender_error(env.call("ListIdentities", "IdentityType=Unknown"), 400, "ValidationError",
                      "1 validation error detected: Value 'Unknown' at 'identityType' failed to "
                      "satisfy constraint: Member must satisfy enum value set: [Domain, "
                      "EmailAddress]");
  expect_sender_error(env.call("ListIdentities", "IdentityType=domain"), 400, "ValidationError",
                      "1 validation error detected: Value 'domain' at 'identityType' failed to "
                      "satisfy constraint: Member must satisfy enum value set: [Domain, "
                      "EmailAddress]");
}

TEST(SesApiErrors, InvalidParameterValue) {
  Env env;
  expect_sender_error(env.call("VerifyDomainIdentity", "Domain=example.com."), 400,
                      "InvalidParameterValue", "Invalid domain name example.com..");
  expect_sender_error(env.call("VerifyDomainIdentity", "Domain=bad..example"), 400,
                      "InvalidParameterValue", "Invalid domain name bad..example.");
  expect_sender_error(env.call("VerifyDomainIdentity", "Domain=%3Cb%3E%26.com"), 400,
                      "InvalidParameterValue", "Invalid domain name <b>&.com.");
  expect_sender_error(env.call("VerifyDomainDkim", "Domain=nodot"), 400, "InvalidParameterValue",
                      "Invalid domain name nodot.");
  expect_sender_error(env.call("VerifyEmailIdentity", "EmailAddress=not-an-email"), 400,
                      "InvalidParameterValue", "Invalid email address not-an-email.");
  expect_sender_error(env.call("VerifyEmailAddress", "EmailAddress=a+b%40"), 400,
                      "InvalidParameterValue", "Invalid email address a b@.");
  expect_sender_error(env.call("ListIdentities", "MaxItems=abc"), 400, "InvalidParameterValue",
                      "Value 'abc' for parameter MaxItems is invalid.");
  expect_sender_error(env.call("ListIdentities", "MaxItems=0"), 400, "InvalidParameterValue",
                      "MaxItems must be between 1 and 1000.");
  expect_sender_error(env.call("ListIdentities", "MaxItems=1001"), 400, "InvalidParameterValue",
                      "MaxItems must be between 1 and 1000.");
  expect_sender_error(env.call("ListIdentities", "NextToken=forged"), 400, "InvalidParameterValue",
                      "Invalid NextToken.");
  // Nothing was created by the failed calls.
  expect_golden(env.call("ListIdentities"), "list_identities_empty.xml");
}

TEST(SesApiErrors, TooManyIdentities) {
  Env env;
  for (const char* action : {"GetIdentityVerificationAttributes", "GetIdentityDkimAttributes"}) {
    expect_sender_error(env.call(action, identities_params(101)), 400, "InvalidParameterValue",
                        "Too many identities in the request. The maximum is 100.");
  }
}

TEST(SesApiErrors, Throttling) {
  Env env({{"VerifyDomainIdentity", 1.0}, {"GetIdentityVerificationAttributes", 1.0}});
  expect_golden(env.call("VerifyDomainIdentity", "Domain=example.com"),
                "verify_domain_identity.xml");
  expect_sender_error(env.call("VerifyDomainIdentity", "Domain=example.com"), 400, "Throttling",
                      "Rate exceeded");
  // Other operations have their own buckets.
  expect_golden(env.call("GetIdentityVerificationAttributes", "Identities="),
                "get_identity_verification_attributes_empty.xml");
  expect_sender_error(env.call("GetIdentityVerificationAttributes", "Identities="), 400,
                      "Throttling", "Rate exceeded");
  env.clock.advance(1s);
  expect_golden(env.call("VerifyDomainIdentity", "Domain=example.com"),
                "verify_domain_identity.xml");
}

TEST(SesApiErrors, LimitExceeded) {
  service::IdentityOptions options;
  options.max_identities = 1;
  Env env({}, options);
  expect_golden(env.call("VerifyEmailIdentity", "EmailAddress=user%40example.com"),
                "verify_email_identity.xml");
  expect_sender_error(env.call("VerifyDomainIdentity", "Domain=example.com"), 400, "LimitExceeded",
                      "Maximum number of identities (1) reached.");
  // An existing identity can still be verified again.
  expect_golden(env.call("VerifyEmailIdentity", "EmailAddress=user%40example.com"),
                "verify_email_identity.xml");
}

TEST(SesApiErrors, MalformedQueryString) {
  Env env;
  // Signed correctly, but the form body cannot be decoded.
  expect_sender_error(env.run(env.post("Action=ListIdentities&Version=2010-12-01&X=%zz")), 404,
                      "MalformedQueryString", "The query string is malformed.");
  expect_sender_error(env.run(env.request("GET", "/?Action=ListIdentities&Bad=%4", "")), 404,
                      "MalformedQueryString", "The query string is malformed.");
}

TEST(SesApiErrors, ReceiverFaultsFromTheStore) {
  Env env;
  env.call("VerifyDomainIdentity", "Domain=example.com");
  const std::string db = env.dir.path() + "/vouch.db";

  // A write the store cannot do: InternalFailure, and its details stay off the wire.
  sql(db, "CREATE TRIGGER no_delete BEFORE DELETE ON claims "
          "BEGIN SELECT RAISE(ABORT, 'injected: /var/lib/vouch is on fire'); END");
  http::Response r = env.call("DeleteIdentity", "Identity=example.com");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.content_type, "text/xml");
  EXPECT_EQ(r.body, error_xml("Receiver", "InternalFailure",
                              "The request processing has failed because of an unknown error."));

  // An insert that keeps losing: the service gives up as busy, a retryable 503.
  sql(db, "CREATE TRIGGER no_insert BEFORE INSERT ON claims "
          "BEGIN SELECT RAISE(ABORT, 'injected'); END");
  r = env.call("VerifyDomainIdentity", "Domain=new.example.com");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.content_type, "text/xml");
  EXPECT_EQ(r.body,
            error_xml("Receiver", "ServiceUnavailable", "Service is unable to handle request."));

  // Reads still work, and nothing was lost or half-written.
  expect_golden(env.call("ListIdentities"), "list_identities_get.xml");
}

TEST(SesWire, ErrorTypeFollowsStatus) {
  const std::string rid = kRequestId;
  EXPECT_EQ(error_response(400, "A", "m", rid).body, error_xml("Sender", "A", "m"));
  EXPECT_EQ(error_response(403, "B", "m", rid).body, error_xml("Sender", "B", "m"));
  EXPECT_EQ(error_response(404, "C", "m", rid).body, error_xml("Sender", "C", "m"));
  EXPECT_EQ(error_response(499, "D", "m", rid).body, error_xml("Sender", "D", "m"));
  EXPECT_EQ(error_response(500, "E", "m", rid).body, error_xml("Receiver", "E", "m"));
  EXPECT_EQ(error_response(503, "F", "a<b", rid).body, error_xml("Receiver", "F", "a&lt;b"));
  EXPECT_EQ(error_response(503, "F", "m", rid).status, 503);
  EXPECT_EQ(error_response(503, "F", "m", rid).content_type, "text/xml");
}

TEST(SesWire, CoreErrorTable) {
  const std::string rid = kRequestId;
  struct Row {
    core::ErrorCode code;
    int status;
    const char* wire;
    const char* message;
  } rows[] = {
      {core::ErrorCode::kInvalidArgument, 400, "InvalidParameterValue", "msg"},
      {core::ErrorCode::kConflict, 400, "InvalidParameterValue", "msg"},
      {core::ErrorCode::kNotFound, 400, "InvalidParameterValue", "msg"},
      {core::ErrorCode::kThrottled, 400, "Throttling", "msg"},
      {core::ErrorCode::kQuotaExceeded, 400, "LimitExceeded", "msg"},
      {core::ErrorCode::kUnavailable, 503, "ServiceUnavailable",
       "Service is unable to handle request."},
      {core::ErrorCode::kAborted, 503, "ServiceUnavailable",
       "Service is unable to handle request."},
      {core::ErrorCode::kInternal, 500, "InternalFailure",
       "The request processing has failed because of an unknown error."},
  };
  for (const Row& row : rows) {
    http::Response r = error_response(core::Error{row.code, "msg", {}, {}}, rid);
    EXPECT_EQ(r.status, row.status) << row.wire;
    EXPECT_EQ(r.body, error_xml(row.status >= 500 ? "Receiver" : "Sender", row.wire, row.message));
  }
}

TEST(SesWire, StatusNames) {
  EXPECT_EQ(status_name(core::ClaimStatus::kPending), "Pending");
  EXPECT_EQ(status_name(core::ClaimStatus::kVerified), "Success");
  EXPECT_EQ(status_name(core::ClaimStatus::kUnconfirmed), "TemporaryFailure");
  EXPECT_EQ(status_name(core::ClaimStatus::kFailed), "Failed");
}

// ---------------------------------------------------------------------------
// Authentication errors (spec §4.5, §7 #5).

TEST(SesApiAuth, MissingAuthentication) {
  Env env;
  http::Request req{"POST",
                    "/",
                    {{"Host", "localhost"}, {"Content-Type", kFormType}},
                    "Action=ListIdentities&Version=2010-12-01",
                    ""};
  expect_sender_error(env.run(req), 403, "MissingAuthenticationToken",
                      "Request is missing Authentication Token");
}

TEST(SesApiAuth, GarbageAuthorization) {
  Env env;
  http::Request req = env.post("Action=ListIdentities&Version=2010-12-01");
  for (auto& h : req.headers) {
    if (http::iequals(h.name, "authorization")) h.value = "garbage";
  }
  expect_sender_error(env.run(req), 400, "IncompleteSignature",
                      "Unsupported AWS 'algorithm': 'garbage'. ");

  for (auto& h : req.headers) {
    if (http::iequals(h.name, "authorization")) h.value = "AWS4-HMAC-SHA256 Signature=abc";
  }
  expect_sender_error(env.run(req), 400, "IncompleteSignature",
                      "Authorization header requires 'Credential' parameter. Authorization "
                      "header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 "
                      "Signature=abc");
}

TEST(SesApiAuth, UnknownAccessKey) {
  Env env;
  Signer s;
  s.key = "AKIAUNKNOWNKEY000000";
  http::Request req = env.request("POST", "/", "Action=ListIdentities&Version=2010-12-01", {}, s);
  expect_sender_error(env.run(req), 403, "InvalidClientTokenId",
                      "The security token included in the request is invalid.");
}

// A key store that cannot answer is the server's fault, not the caller's
// key: a 5xx InternalFailure (never a 403), its cause logged once with the
// request id and kept off the wire.
TEST(SesApiAuth, StoreFailureIsInternalFailureNotUnknownKey) {
  Env env;
  Signer unknown;
  unknown.key = "AKIAUNKNOWNKEY000000";
  // Positive control: with the store up, an unknown key is a 403.
  expect_sender_error(
      env.run(env.request("POST", "/", "Action=ListIdentities&Version=2010-12-01", {}, unknown)),
      403, "InvalidClientTokenId", "The security token included in the request is invalid.");

  sql(env.dir.path() + "/vouch.db", "DROP TABLE accounts");
  ::testing::internal::CaptureStderr();
  http::Response r = env.call("ListIdentities");
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, error_xml("Receiver", "InternalFailure",
                              "The request processing has failed because of an unknown error."));
  EXPECT_EQ(r.body.find("accounts"), std::string::npos);
  EXPECT_NE(log.find(std::string("request ") + kRequestId + ": credential lookup failed: "),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("accounts"), std::string::npos) << log;      // the store's own words
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;  // once, on one line

  Signer other;
  other.key = "AKIAUNKNOWNKEY000001";  // not in the negative cache
  r = env.run(env.request("POST", "/", "Action=ListIdentities&Version=2010-12-01", {}, other));
  EXPECT_EQ(r.status, 500) << r.body;
}

TEST(SesApiAuth, WrongSecret) {
  Env env;
  Signer s;
  s.secret = "not-the-secret";
  http::Request req = env.request("POST", "/", "Action=ListIdentities&Version=2010-12-01", {}, s);
  expect_sender_error(env.run(req), 403, "SignatureDoesNotMatch", kMismatch);
}

TEST(SesApiAuth, TamperedBody) {
  Env env;
  http::Request req = env.post("Action=VerifyDomainIdentity&Version=2010-12-01&Domain=a.com");
  req.body = "Action=VerifyDomainIdentity&Version=2010-12-01&Domain=b.com";
  expect_sender_error(env.run(req), 403, "SignatureDoesNotMatch", kMismatch);
}

TEST(SesApiAuth, ClockSkew) {
  Env env;
  const std::string body = "Action=ListIdentities&Version=2010-12-01";
  expect_golden(env.run(env.request("POST", "/", body, kNow - 20min)),
                "error_signature_expired.xml", 403);
  expect_sender_error(env.run(env.request("POST", "/", body, kNow - 20min)), 403,
                      "SignatureDoesNotMatch",
                      "Signature expired: 20260101T001000Z is now earlier than 20260101T001500Z "
                      "(20260101T003000Z - 15 min.)");
  expect_sender_error(env.run(env.request("POST", "/", body, kNow + 20min)), 403,
                      "SignatureDoesNotMatch",
                      "Signature not yet current: 20260101T005000Z is still later than "
                      "20260101T004500Z (20260101T003000Z + 15 min.)");
  // Within the 15-minute window either way.
  expect_golden(env.run(env.request("POST", "/", body, kNow - 14min)), "list_identities_empty.xml");
  expect_golden(env.run(env.request("POST", "/", body, kNow + 14min)), "list_identities_empty.xml");
}

TEST(SesApiAuth, ScopeForAnotherServiceOrBadRegion) {
  Env env;
  const std::string body = "Action=ListIdentities&Version=2010-12-01";
  Signer sts;
  sts.service = "sts";
  expect_sender_error(env.run(env.request("POST", "/", body, {}, sts)), 403,
                      "SignatureDoesNotMatch",
                      "Credential should be scoped to correct service: "
                      "'ses'. ");
  Signer upper;
  upper.region = "US-EAST-1";
  expect_sender_error(env.run(env.request("POST", "/", body, {}, upper)), 403,
                      "SignatureDoesNotMatch",
                      "Credential should be scoped to a valid region, not 'US-EAST-1'. ");
}

TEST(SesApiAuth, IdentitiesArePerRegion) {
  Env env;
  env.call("VerifyDomainIdentity", "Domain=example.com");
  Signer west;
  west.region = "eu-west-1";
  expect_golden(
      env.run(env.request("POST", "/", "Action=ListIdentities&Version=2010-12-01", {}, west)),
      "list_identities_empty.xml");
}

TEST(SesApi, MailFromDomainSetAndGet) {
  Env env;
  env.call("VerifyDomainIdentity", "Domain=example.com");
  env.call("VerifyDomainIdentity", "Domain=plain.example.com");
  http::Response set = env.call("SetIdentityMailFromDomain",
                                "Identity=example.com&MailFromDomain=bounce.example.com"
                                "&BehaviorOnMXFailure=RejectMessage");
  EXPECT_EQ(set.status, 200) << set.body;
  EXPECT_NE(set.body.find("<SetIdentityMailFromDomainResult/>"), std::string::npos) << set.body;
  http::Response got = env.call(
      "GetIdentityMailFromDomainAttributes",
      "Identities.member.1=example.com&Identities.member.2=plain.example.com"
      "&Identities.member.3=unknown.example.com");
  EXPECT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(element(got.body, "MailFromDomainAttributes"),
            "<entry><key>example.com</key><value><BehaviorOnMXFailure>RejectMessage"
            "</BehaviorOnMXFailure><MailFromDomain>bounce.example.com</MailFromDomain>"
            "<MailFromDomainStatus>Pending</MailFromDomainStatus></value></entry>"
            "<entry><key>plain.example.com</key><value><BehaviorOnMXFailure>UseDefaultValue"
            "</BehaviorOnMXFailure></value></entry>");
  expect_sender_error(
      env.call("SetIdentityMailFromDomain", "Identity=example.com&MailFromDomain=example.com"), 400,
      "InvalidParameterValue",
      "Provided MAIL-FROM domain <example.com> is not subdomain of the domain of the identity "
      "<example.com>.");
  expect_sender_error(
      env.call("SetIdentityMailFromDomain", "Identity=example.com&BehaviorOnMXFailure=Bounce"), 400,
      "ValidationError",
      "1 validation error detected: Value 'Bounce' at 'behaviorOnMXFailure' "
      "failed to satisfy constraint: Member must satisfy enum value set: "
      "[RejectMessage, UseDefaultValue]");
  expect_sender_error(env.call("SetIdentityMailFromDomain", "MailFromDomain=m.example.com"), 400,
                      "MissingParameter", "The request must contain the parameter Identity.");
  expect_sender_error(env.call("GetIdentityMailFromDomainAttributes"), 400, "MissingParameter",
                      "The request must contain the parameter Identities.");
  EXPECT_EQ(element(env.call("GetIdentityMailFromDomainAttributes", "Identities=").body,
                    "GetIdentityMailFromDomainAttributesResult"),
            "<MailFromDomainAttributes/>");
}

}  // namespace
}  // namespace vouch::api::ses
