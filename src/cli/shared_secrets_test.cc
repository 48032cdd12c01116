// Secrets in a shared store's settings: every node of a fleet gets the first
// node's secret key and root account; only that node saw it generated.
// Several "nodes" here are several calls on one SQLite store.
#include "cli/shared_secrets.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <array>

#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace vouch::cli {
namespace {

constexpr std::array<const char*, 3> kRootEnv = {
    "VOUCH_ROOT_ACCESS_KEY_ID", "VOUCH_ROOT_SECRET_ACCESS_KEY", "VOUCH_ROOT_ACCOUNT_ID"};

class SharedSecretsTest : public ::testing::Test {
 protected:
  SharedSecretsTest() {
    for (size_t i = 0; i < kRootEnv.size(); ++i) {
      if (const char* v = std::getenv(kRootEnv[i])) saved_[i] = v;
      ::unsetenv(kRootEnv[i]);
    }
    auto s = store::sqlite::SqliteStore::open(dir_.file("vouch.db"));
    if (!s.ok()) std::abort();
    store_ = std::move(*s);
  }
  ~SharedSecretsTest() override {
    for (size_t i = 0; i < kRootEnv.size(); ++i) {
      if (saved_[i]) ::setenv(kRootEnv[i], saved_[i]->c_str(), 1);
      else ::unsetenv(kRootEnv[i]);
    }
  }
  static void set_root_env(const char* key, const char* secret, const char* account) {
    ::setenv("VOUCH_ROOT_ACCESS_KEY_ID", key, 1);
    ::setenv("VOUCH_ROOT_SECRET_ACCESS_KEY", secret, 1);
    ::setenv("VOUCH_ROOT_ACCOUNT_ID", account, 1);
  }
  bool has_account(const std::string& key) {
    auto a = store_->find_account(key);
    return a.ok() && a->has_value();
  }

  testing::TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::array<std::optional<std::string>, 3> saved_;
};

TEST_F(SharedSecretsTest, SecretKeyRoundTripsAnyBytesAsText) {
  const std::string key("\0\x01\xff key with a NUL \n", 20);
  const std::string text = encode_secret_key(key);
  EXPECT_EQ(text.find('\0'), std::string::npos);
  EXPECT_EQ(decode_secret_key(text), key);
  EXPECT_EQ(decode_secret_key("not base64!"), std::nullopt);
}

TEST_F(SharedSecretsTest, EveryNodeGetsTheFirstNodesSecretKey) {
  core::SeededRandom first(1), second(2);
  auto a = shared_secret_key(*store_, first);
  ASSERT_OK(a);
  EXPECT_EQ(a->size(), 32u);
  auto b = shared_secret_key(*store_, second);
  ASSERT_OK(b);
  EXPECT_EQ(*b, *a);
  auto stored = store_->get_setting(kSecretKeySetting);
  ASSERT_OK(stored);
  EXPECT_EQ(*stored, encode_secret_key(*a));
}

TEST_F(SharedSecretsTest, ADamagedSecretKeyIsAnErrorNeverReplaced) {
  ASSERT_OK(store_->put_setting(kSecretKeySetting, encode_secret_key("short")));
  core::SeededRandom random(1);
  auto key = shared_secret_key(*store_, random);
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("secret_key is damaged"), std::string::npos);
  EXPECT_EQ(*store_->get_setting(kSecretKeySetting), encode_secret_key("short"));
}

TEST_F(SharedSecretsTest, AMissingSecretKeyIsRefusedOnceClaimsExist) {
  core::Claim c;
  c.id = "id-00000000000000000001";
  c.scope = {"111122223333", "us-east-1"};
  c.subject = c.record_name = "example.com";
  ASSERT_OK(store_->insert_claim(c));
  core::SeededRandom random(1);
  auto key = shared_secret_key(*store_, random);
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("secret_key is missing, but the store holds claims"),
            std::string::npos);
  auto stored = store_->get_setting(kSecretKeySetting);
  ASSERT_OK(stored);
  EXPECT_FALSE(stored->has_value()) << "no new key may be stored over the claims' signatures";
  // Control: with the key in place, the same store starts.
  ASSERT_OK(store_->put_setting(kSecretKeySetting, encode_secret_key(std::string(32, 'k'))));
  auto kept = shared_secret_key(*store_, random);
  ASSERT_OK(kept);
  EXPECT_EQ(*kept, std::string(32, 'k'));
}

TEST_F(SharedSecretsTest, AGeneratedRootIsStoredOnceAndSeenGeneratedOnlyByItsMaker) {
  core::SeededRandom first(1), second(2);
  auto a = shared_root(*store_, first);
  ASSERT_OK(a);
  EXPECT_TRUE(a->root.generated);
  EXPECT_TRUE(a->retired.empty());
  auto b = shared_root(*store_, second);
  ASSERT_OK(b);
  EXPECT_FALSE(b->root.generated);  // only the first node prints it
  EXPECT_EQ(b->root.account.access_key_id, a->root.account.access_key_id);
  EXPECT_EQ(b->root.account.secret_access_key, a->root.account.secret_access_key);
  EXPECT_EQ(b->root.account.account_id, a->root.account.account_id);
  EXPECT_TRUE(has_account(a->root.account.access_key_id));
  EXPECT_EQ(*store_->get_setting(kRootKeyIdSetting), a->root.account.access_key_id);
  EXPECT_TRUE(is_shared_root_key(*store_, a->root.account.access_key_id));
  EXPECT_FALSE(is_shared_root_key(*store_, "AKIAOTHEROTHEROTHER1"));
}

TEST_F(SharedSecretsTest, EnvRootReplacesAGeneratedOneAndStaysWhenUnset) {
  core::SeededRandom random(1);
  auto generated = shared_root(*store_, random);
  ASSERT_OK(generated);
  const std::string old_key = generated->root.account.access_key_id;

  set_root_env("AKIAFLEETROOTKEY0001", "fleet-secret", "111122223333");
  auto env = shared_root(*store_, random);
  ASSERT_OK(env);
  EXPECT_FALSE(env->root.generated);
  EXPECT_TRUE(env->root.from_env);
  EXPECT_EQ(env->retired, std::vector<std::string>{old_key});
  EXPECT_FALSE(has_account(old_key));
  EXPECT_TRUE(has_account("AKIAFLEETROOTKEY0001"));

  // A node started without VOUCH_ROOT_* agrees with the others, and the
  // retired generated key does not come back.
  for (const char* name : kRootEnv) ::unsetenv(name);
  auto later = shared_root(*store_, random);
  ASSERT_OK(later);
  EXPECT_FALSE(later->root.generated);
  EXPECT_EQ(later->root.account.access_key_id, "AKIAFLEETROOTKEY0001");
  EXPECT_EQ(later->root.account.secret_access_key, "fleet-secret");
  EXPECT_EQ(later->root.account.account_id, "111122223333");
  EXPECT_TRUE(later->retired.empty());
  EXPECT_FALSE(has_account(old_key));
}

TEST_F(SharedSecretsTest, AnotherEnvRootRetiresThePreviousOne) {
  core::SeededRandom random(1);
  set_root_env("AKIAFLEETROOTKEY0001", "s1", "111122223333");
  ASSERT_OK(shared_root(*store_, random));
  set_root_env("AKIAFLEETROOTKEY0002", "s2", "111122223333");
  auto r = shared_root(*store_, random);
  ASSERT_OK(r);
  EXPECT_EQ(r->retired, std::vector<std::string>{"AKIAFLEETROOTKEY0001"});
  EXPECT_FALSE(has_account("AKIAFLEETROOTKEY0001"));
  EXPECT_TRUE(has_account("AKIAFLEETROOTKEY0002"));
  EXPECT_TRUE(is_shared_root_key(*store_, "AKIAFLEETROOTKEY0002"));
}

TEST_F(SharedSecretsTest, BadEnvIsRefused) {
  ::setenv("VOUCH_ROOT_ACCESS_KEY_ID", "AKIAFLEETROOTKEY0001", 1);
  core::SeededRandom random(1);
  auto r = shared_root(*store_, random);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("set all of VOUCH_ROOT_ACCESS_KEY_ID"), std::string::npos);
}

}  // namespace
}  // namespace vouch::cli
