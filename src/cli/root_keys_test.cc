// Replacing the root key retires the old one.
#include "cli/cli_test_util.h"
#include "cli/root_keys.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/random.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace vouch::cli {
namespace {

using namespace test;  // NOLINT: the Result adapters

constexpr std::array<const char*, 3> kRootEnv = {
    "VOUCH_ROOT_ACCESS_KEY_ID", "VOUCH_ROOT_SECRET_ACCESS_KEY", "VOUCH_ROOT_ACCOUNT_ID"};
constexpr const char* kKeyA = "AKIAROOTAAAAAAAAAAAA";
constexpr const char* kKeyB = "AKIAROOTBBBBBBBBBBBB";

class RootKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (size_t i = 0; i < kRootEnv.size(); ++i) {
      if (const char* v = std::getenv(kRootEnv[i])) saved_[i] = v;
      ::unsetenv(kRootEnv[i]);
    }
    auto opened = store::sqlite::SqliteStore::open(dir_.file("vouch.db"));
    ASSERT_OK(opened);
    store_ = std::move(*opened);
    ASSERT_OK(store_->put_account({"444455556666", "AKIAOTHERACCOUNT0000", "other"}));
  }
  void TearDown() override {
    for (size_t i = 0; i < kRootEnv.size(); ++i) {
      if (saved_[i]) ::setenv(kRootEnv[i], saved_[i]->c_str(), 1);
      else ::unsetenv(kRootEnv[i]);
    }
  }
  // One server start: load the root, put it, retire what it replaced.
  std::vector<std::string> start(const char* env_key = nullptr) {
    if (env_key) {
      ::setenv("VOUCH_ROOT_ACCESS_KEY_ID", env_key, 1);
      ::setenv("VOUCH_ROOT_SECRET_ACCESS_KEY", "secret", 1);
      ::setenv("VOUCH_ROOT_ACCOUNT_ID", "123456789012", 1);
    } else {
      for (const char* name : kRootEnv) ::unsetenv(name);
    }
    std::string error;
    auto root = value(load_root(dir_.path(), random_), &error);
    EXPECT_TRUE(root) << error;
    if (!root) return {};
    root_key_ = root->account.access_key_id;
    EXPECT_OK(store_->put_account(root->account));
    auto retired = value(retire_replaced_roots(dir_.path(), *root, *store_), &error);
    EXPECT_TRUE(retired) << error;
    return retired.value_or(std::vector<std::string>{});
  }
  bool stored(const std::string& key) {
    auto found = store_->find_account(key);
    return found.ok() && found->has_value();
  }

  testing::TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  core::SeededRandom random_{42};
  std::string root_key_;
  std::array<std::optional<std::string>, 3> saved_;
};

TEST_F(RootKeysTest, EnvironmentOverAGeneratedRootRetiresIt) {
  EXPECT_TRUE(start().empty());
  const std::string generated = root_key_;
  EXPECT_TRUE(std::filesystem::exists(dir_.file("root-credentials")));
  EXPECT_TRUE(start().empty());  // the same root again: nothing to retire
  EXPECT_TRUE(stored(generated));

  EXPECT_EQ(start(kKeyA), std::vector<std::string>{generated});
  EXPECT_FALSE(stored(generated));
  EXPECT_TRUE(stored(kKeyA));
  EXPECT_TRUE(stored("AKIAOTHERACCOUNT0000"));  // other accounts stay
  // The file would bring the key back once VOUCH_ROOT_* are unset.
  EXPECT_FALSE(std::filesystem::exists(dir_.file("root-credentials")));
  EXPECT_TRUE(start(kKeyA).empty());
}

TEST_F(RootKeysTest, AnotherEnvironmentKeyRetiresThePreviousOne) {
  EXPECT_TRUE(start(kKeyA).empty());  // first start: nothing before it
  EXPECT_EQ(start(kKeyB), std::vector<std::string>{kKeyA});
  EXPECT_FALSE(stored(kKeyA));
  EXPECT_TRUE(stored(kKeyB));
  // Unset: a new root is generated and B retires.
  EXPECT_EQ(start(), std::vector<std::string>{kKeyB});
  EXPECT_FALSE(stored(kKeyB));
  EXPECT_TRUE(stored(root_key_));
}

TEST_F(RootKeysTest, RootKeyIsKnownAsSuch) {
  start(kKeyA);
  ::unsetenv("VOUCH_ROOT_ACCESS_KEY_ID");
  EXPECT_TRUE(is_root_key(dir_.path(), kKeyA));  // recorded by the server's start
  EXPECT_FALSE(is_root_key(dir_.path(), "AKIAOTHERACCOUNT0000"));
  ::setenv("VOUCH_ROOT_ACCESS_KEY_ID", kKeyB, 1);
  EXPECT_TRUE(is_root_key(dir_.path(), kKeyB));  // what the next start will use
}

}  // namespace
}  // namespace vouch::cli
