// BYODKIM in IdentityService over a real SQLite store: a domain created with
// a selector and a private key gets one TXT claim holding the key's public
// half (the private key kept nowhere), is verified by it in both APIs, and
// switches between Easy DKIM and its own key; bad keys and selectors are
// refused and create nothing.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "core/encoding.h"
#include "service/identity_service.h"
#include "service/service_test_base.h"

namespace vouch::service {
namespace {

using core::Claim;
using core::ClaimKind;
using core::ClaimStatus;
using core::ErrorCode;
using core::Scope;
using std::chrono::seconds;

const core::TimePoint T0 = core::TimePoint(seconds(1'760'000'000));
const Scope kScope{"111122223333", "us-east-1"};

// A fresh key pair: the private key as the API takes it, the public as DNS holds it.
struct KeyPair {
  std::string private_b64;
  std::string public_b64;
};

std::string b64(unsigned char* der, int len) {
  std::string out = core::base64_encode({der, static_cast<size_t>(len)});
  OPENSSL_free(der);
  return out;
}

KeyPair key_pair(EVP_PKEY* k) {
  unsigned char* priv = nullptr;
  const int priv_len = i2d_PrivateKey(k, &priv);
  unsigned char* pub = nullptr;
  const int pub_len = i2d_PUBKEY(k, &pub);
  KeyPair out{b64(priv, priv_len), b64(pub, pub_len)};
  EVP_PKEY_free(k);
  return out;
}

KeyPair rsa(unsigned bits) { return key_pair(EVP_RSA_gen(bits)); }

class ByoDkimTest : public IdentityServiceTestBase {
 protected:
  ByoDkimTest() : IdentityServiceTestBase(T0, 15, "byodkim-test-key") {}

  core::Result<EmailIdentity> create(const std::string& name, const std::string& selector,
                                     const KeyPair& key) {
    CreateEmailIdentityRequest req{name, {}};
    req.byodkim = ByoDkim{selector, key.private_b64};
    return service_->create_email_identity(kScope, std::move(req));
  }

  EmailIdentity get(const std::string& name) {
    auto r = service_->get_email_identity(kScope, name);
    EXPECT_TRUE(r.ok()) << testing::describe(r.error());
    return r.ok() ? *r : EmailIdentity{};
  }

  core::Result<DkimView> put(const std::string& name, DkimSigningRequest req) {
    return service_->put_dkim_signing_attributes(kScope, name, std::move(req));
  }

  DkimSigningRequest external(const std::string& selector, const KeyPair& key) {
    return {true, ByoDkim{selector, key.private_b64}, {}};
  }

  std::vector<Claim> claims(ClaimKind kind, const std::string& subject) {
    auto r = store_->find_claims(kScope, kind, {subject});
    EXPECT_OK(r);
    return r.ok() ? *r : std::vector<Claim>{};
  }

  void set_status(ClaimKind kind, const std::string& subject, ClaimStatus status) {
    for (auto c : claims(kind, subject)) {
      c.status = status;
      if (status == ClaimStatus::kVerified) c.last_verified_at = clock_.now();
      ASSERT_OK(store_->update_claim(c));
    }
  }
};

TEST_F(ByoDkimTest, CreateChecksOneTxtHoldingThePublicKeyAndKeepsNoPrivateKey) {
  const KeyPair key = rsa(1024);
  auto e = create("example.com", "sel1", key);
  ASSERT_OK(e);
  EXPECT_EQ(e->status, ClaimStatus::kPending);
  EXPECT_TRUE(e->dkim.external);
  EXPECT_EQ(e->dkim.tokens, std::vector<std::string>{"sel1"});
  EXPECT_EQ(e->dkim.status, DkimStatus::kPending);
  EXPECT_TRUE(e->tags.empty());  // the settings are no user tags
  EXPECT_TRUE(claims(ClaimKind::kSesDkim, "example.com").empty());
  auto txt = claims(ClaimKind::kSesDkimTxt, "example.com");
  ASSERT_EQ(txt.size(), 1u);
  EXPECT_EQ(txt[0].record_name, "sel1._domainkey.example.com");
  EXPECT_EQ(txt[0].token, key.public_b64);
  EXPECT_EQ(txt[0].status, ClaimStatus::kPending);
  EXPECT_EQ(txt[0].next_check_at, T0);  // checked at once
  // No row holds the private key, nor any long piece of it.
  auto all = store_->list_claims({kScope, {ClaimKind::kSesDomain, ClaimKind::kSesDkimTxt}, 0, 10});
  ASSERT_OK(all);
  const std::string piece = key.private_b64.substr(key.private_b64.size() / 2, 40);
  for (const auto& c : *all) {
    std::string row = c.subject + c.record_name + c.token;
    for (const auto& [k, v] : c.tags) row += k + v;
    for (const auto& t : c.dkim_tokens) row += t;
    EXPECT_EQ(row.find(piece), std::string::npos) << c.id;
  }
}

TEST_F(ByoDkimTest, TheTxtRecordVerifiesTheDomainInBothApis) {
  ASSERT_OK(create("example.com", "sel1", rsa(1024)));
  EXPECT_EQ(get("example.com").status, ClaimStatus::kPending);  // the control
  clock_.advance(seconds(30));
  set_status(ClaimKind::kSesDkimTxt, "example.com", ClaimStatus::kVerified);
  auto e = get("example.com");
  EXPECT_EQ(e.status, ClaimStatus::kVerified);
  EXPECT_EQ(e.dkim.status, DkimStatus::kSuccess);
  EXPECT_EQ(e.last_success, T0 + seconds(30));
  auto v1 = service_->get_attributes(kScope, {"example.com"}, "GetIdentityVerificationAttributes");
  ASSERT_OK(v1);
  EXPECT_EQ(v1->at("example.com").status, ClaimStatus::kVerified);
  auto dkim = service_->get_dkim_attributes(kScope, {"example.com"});
  ASSERT_OK(dkim);
  EXPECT_EQ(dkim->at("example.com").status, DkimStatus::kSuccess);
  EXPECT_EQ(dkim->at("example.com").tokens, std::vector<std::string>{"sel1"});
  EXPECT_TRUE(dkim->at("example.com").external);
  auto page = service_->list_email_identities(kScope, {}, {});
  ASSERT_OK(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].status, ClaimStatus::kVerified);
  // A re-check that cannot find it any more: TemporaryFailure, then Failed.
  set_status(ClaimKind::kSesDkimTxt, "example.com", ClaimStatus::kUnconfirmed);
  EXPECT_EQ(get("example.com").dkim.status, DkimStatus::kTemporaryFailure);
  set_status(ClaimKind::kSesDkimTxt, "example.com", ClaimStatus::kFailed);
  EXPECT_EQ(get("example.com").dkim.status, DkimStatus::kFailed);
}

TEST_F(ByoDkimTest, BadKeysAndSelectorsAreRefusedAndCreateNothing) {
  const KeyPair good = rsa(1024);
  const std::string pattern =
      "' at 'DomainSigningSelector' failed to satisfy constraint: Member must satisfy regular "
      "expression pattern: ^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9]))$";
  expect_error(create("example.com", "sel1", rsa(512)), ErrorCode::kInvalidArgument,
               "Invalid DomainSigningPrivateKey: the key has 512 bits; it must have 1024 or "
               "2048.");
  expect_error(create("example.com", "sel1", key_pair(EVP_EC_gen("P-256"))),
               ErrorCode::kInvalidArgument,
               "Invalid DomainSigningPrivateKey: it is not an RSA key.");
  expect_error(create("example.com", "sel1", {"bm90IGEga2V5", ""}), ErrorCode::kInvalidArgument,
               "Invalid DomainSigningPrivateKey: it is not a DER-encoded private key (PKCS#1 or "
               "PKCS#8).");
  expect_error(create("example.com", "sel1", {"!!", ""}), ErrorCode::kInvalidArgument,
               "Invalid DomainSigningPrivateKey: it is not base64.");
  expect_error(create("example.com", "sel1", {"", ""}), ErrorCode::kInvalidArgument);
  for (const std::string sel : {"-a", "a-", "a_b", "a.b", "s\xc3\xa9l"}) {
    expect_error(create("example.com", sel, good), ErrorCode::kInvalidArgument,
                 "1 validation error detected: Value '" + sel + pattern);
  }
  expect_error(create("example.com", std::string(64, 'a'), good), ErrorCode::kInvalidArgument);
  expect_error(create("example.com", "", good), ErrorCode::kInvalidArgument);
  // The record name would pass 253 characters.
  expect_error(create(domain_of_length(200), std::string(60, 'a'), good),
               ErrorCode::kInvalidArgument);
  expect_error(create("someone@example.com", "sel1", good), ErrorCode::kInvalidArgument,
               "DkimSigningAttributes can only be specified for a domain identity.");
  expect_error(service_->get_email_identity(kScope, "example.com"), ErrorCode::kNotFound);
  EXPECT_TRUE(claims(ClaimKind::kSesDkimTxt, "example.com").empty());
  // The controls: a 63-character selector; a 2048-bit key.
  ASSERT_OK(create("example.com", std::string(63, 'a'), good));
  ASSERT_OK(create("example.org", "S-1", rsa(2048)));
}

TEST_F(ByoDkimTest, ExternalAndAwsSesReplaceEachOthersRecords) {
  CreateEmailIdentityRequest easy{"example.com", {}};
  auto created = service_->create_email_identity(kScope, easy);
  ASSERT_OK(created);
  const auto easy_tokens = created->dkim.tokens;
  ASSERT_EQ(claims(ClaimKind::kSesDkim, "example.com").size(), 3u);
  const KeyPair key = rsa(1024);
  auto byo = put("example.com", external("sel1", key));
  ASSERT_OK(byo);
  EXPECT_TRUE(byo->external);
  EXPECT_EQ(byo->tokens, std::vector<std::string>{"sel1"});
  EXPECT_EQ(byo->status, DkimStatus::kPending);
  EXPECT_TRUE(claims(ClaimKind::kSesDkim, "example.com").empty());
  ASSERT_EQ(claims(ClaimKind::kSesDkimTxt, "example.com").size(), 1u);
  EXPECT_EQ(claims(ClaimKind::kSesDkimTxt, "example.com")[0].token, key.public_b64);
  // Back to Easy DKIM: new tokens, as AWS generates them.
  auto back = put("example.com", {false, {}, {}});
  ASSERT_OK(back);
  EXPECT_FALSE(back->external);
  ASSERT_EQ(back->tokens.size(), 3u);
  EXPECT_NE(back->tokens, easy_tokens);
  EXPECT_EQ(back->status, DkimStatus::kPending);
  EXPECT_EQ(back->key_bits, 2048);
  EXPECT_TRUE(claims(ClaimKind::kSesDkimTxt, "example.com").empty());
  auto cnames = claims(ClaimKind::kSesDkim, "example.com");
  ASSERT_EQ(cnames.size(), 3u);
  for (const auto& c : cnames) {
    EXPECT_NE(std::find(back->tokens.begin(), back->tokens.end(),
                        c.record_name.substr(0, c.record_name.find('.'))),
              back->tokens.end());
  }
  EXPECT_EQ(get("example.com").dkim.tokens, back->tokens);
}

TEST_F(ByoDkimTest, AwsSesKeepsItsTokensUnlessTheKeyLengthChanges) {
  ASSERT_OK(service_->create_email_identity(kScope, {"example.com", {}}));
  const auto tokens = get("example.com").dkim.tokens;
  auto same = put("example.com", {false, {}, 2048});
  ASSERT_OK(same);
  EXPECT_EQ(same->tokens, tokens);
  auto shorter = put("example.com", {false, {}, 1024});
  ASSERT_OK(shorter);
  EXPECT_NE(shorter->tokens, tokens);
  EXPECT_EQ(shorter->key_bits, 1024);
  EXPECT_EQ(claims(ClaimKind::kSesDkim, "example.com").size(), 3u);  // the old ones went
  expect_error(put("example.com", {false, {}, 4096}), ErrorCode::kInvalidArgument);
}

TEST_F(ByoDkimTest, ANewKeyStartsItsRecordOver) {
  ASSERT_OK(create("example.com", "sel1", rsa(1024)));
  set_status(ClaimKind::kSesDkimTxt, "example.com", ClaimStatus::kVerified);
  EXPECT_EQ(get("example.com").status, ClaimStatus::kVerified);
  const auto before = claims(ClaimKind::kSesDkimTxt, "example.com");
  ASSERT_EQ(before.size(), 1u);
  const KeyPair next = rsa(1024);
  ASSERT_OK(put("example.com", external("sel2", next)));
  auto after = claims(ClaimKind::kSesDkimTxt, "example.com");
  ASSERT_EQ(after.size(), 1u);
  // The same selector and key again keeps the record's claim.
  ASSERT_OK(put("example.com", external("sel2", next)));
  auto same = claims(ClaimKind::kSesDkimTxt, "example.com");
  ASSERT_EQ(same.size(), 1u);
  EXPECT_EQ(same[0].id, after[0].id);
  EXPECT_NE(after[0].id, before[0].id);
  EXPECT_EQ(after[0].record_name, "sel2._domainkey.example.com");
  EXPECT_EQ(after[0].token, next.public_b64);
  EXPECT_EQ(get("example.com").status, ClaimStatus::kPending);
  EXPECT_EQ(get("example.com").dkim.status, DkimStatus::kPending);
}

TEST_F(ByoDkimTest, PutRefusesWhatAwsRefuses) {
  ASSERT_OK(service_->verify_email(kScope, "someone@example.com"));
  expect_error(put("someone@example.com", external("sel1", rsa(1024))), ErrorCode::kInvalidArgument,
               "The EmailIdentity value must be a valid domain.");
  expect_error(put("missing.example", external("sel1", rsa(1024))), ErrorCode::kNotFound,
               "Email identity missing.example does not exist.");
  ASSERT_OK(service_->verify_domain(kScope, "example.com"));
  expect_error(put("example.com", {true, {}, {}}), ErrorCode::kInvalidArgument);
  expect_error(put("example.com", external("sel1", rsa(512))), ErrorCode::kInvalidArgument);
  // A v1 domain without DKIM may start either kind (the control).
  ASSERT_OK(put("example.com", external("sel1", rsa(1024))));
}

TEST_F(ByoDkimTest, AV1DomainWithoutDkimStartsEasyDkimByAwsSes) {
  ASSERT_OK(service_->verify_domain(kScope, "example.com"));
  EXPECT_EQ(get("example.com").dkim.status, DkimStatus::kNotStarted);  // the control
  auto easy = put("example.com", {false, {}, {}});
  ASSERT_OK(easy);
  EXPECT_EQ(easy->tokens.size(), 3u);
  EXPECT_EQ(easy->status, DkimStatus::kPending);
  EXPECT_EQ(claims(ClaimKind::kSesDkim, "example.com").size(), 3u);
}

TEST_F(ByoDkimTest, V1VerifyDomainDkimKeepsTheKeyAndDeleteTakesTheRecord) {
  ASSERT_OK(create("example.com", "sel1", rsa(1024)));
  set_status(ClaimKind::kSesDkimTxt, "example.com", ClaimStatus::kFailed);
  auto tokens = service_->verify_domain_dkim(kScope, "example.com");
  ASSERT_OK(tokens);
  EXPECT_EQ(*tokens, std::vector<std::string>{"sel1"});
  EXPECT_TRUE(claims(ClaimKind::kSesDkim, "example.com").empty());
  auto txt = claims(ClaimKind::kSesDkimTxt, "example.com");
  ASSERT_EQ(txt.size(), 1u);
  EXPECT_EQ(txt[0].status, ClaimStatus::kPending);  // restarted, as for Easy DKIM
  ASSERT_OK(service_->delete_email_identity(kScope, "example.com"));
  EXPECT_TRUE(claims(ClaimKind::kSesDkimTxt, "example.com").empty());
}

TEST_F(ByoDkimTest, ThePutHasItsOwnRate) {
  EXPECT_TRUE(RateLimiter::known_operation("PutEmailIdentityDkimSigningAttributes"));
  RateLimiter limiter(clock_, {{"PutEmailIdentityDkimSigningAttributes", 1.0}});
  IdentityService limited(*store_, clock_, random_, limiter, tokens_);
  ASSERT_OK(limited.create_email_identity(kScope, {"example.com", {}}));
  ASSERT_OK(limited.put_dkim_signing_attributes(kScope, "example.com", {false, {}, {}}));
  expect_error(limited.put_dkim_signing_attributes(kScope, "example.com", {false, {}, {}}),
               ErrorCode::kThrottled);
}

}  // namespace
}  // namespace vouch::service
