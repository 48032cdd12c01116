// The data directory: its mode, the root credentials and the secret key.
#include "cli/cli_test_util.h"
#include "cli/data_dir.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace vouch::cli {
namespace {

using namespace test;  // NOLINT: the Result adapters

constexpr std::array<const char*, 3> kRootEnv = {
    "VOUCH_ROOT_ACCESS_KEY_ID", "VOUCH_ROOT_SECRET_ACCESS_KEY", "VOUCH_ROOT_ACCOUNT_ID"};

// A scratch directory, and VOUCH_ROOT_* cleared for the test and restored after.
class DataDirTest : public ::testing::Test {
 protected:
  DataDirTest() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vouch-cli-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    base_ = tmpl;
    dir_ = base_ + "/data";
    for (size_t i = 0; i < kRootEnv.size(); ++i) {
      if (const char* v = std::getenv(kRootEnv[i])) saved_[i] = v;
      ::unsetenv(kRootEnv[i]);
    }
  }
  ~DataDirTest() override {
    for (size_t i = 0; i < kRootEnv.size(); ++i) {
      if (saved_[i]) {
        ::setenv(kRootEnv[i], saved_[i]->c_str(), 1);
      } else {
        ::unsetenv(kRootEnv[i]);
      }
    }
    std::error_code ec;
    std::filesystem::remove_all(base_, ec);
  }

  static void set_root_env(const char* key, const char* secret, const char* account) {
    if (key) ::setenv("VOUCH_ROOT_ACCESS_KEY_ID", key, 1);
    if (secret) ::setenv("VOUCH_ROOT_SECRET_ACCESS_KEY", secret, 1);
    if (account) ::setenv("VOUCH_ROOT_ACCOUNT_ID", account, 1);
  }

  static unsigned mode_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return 0xFFFF;
    return st.st_mode & 07777;
  }

  static std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  static bool all_in(const std::string& s, std::string_view alphabet) {
    return std::all_of(s.begin(), s.end(),
                       [&](char c) { return alphabet.find(c) != std::string_view::npos; });
  }

  std::string base_, dir_;
  std::array<std::optional<std::string>, 3> saved_;
};

TEST_F(DataDirTest, EnsureCreatesPrivateDirectory) {
  EXPECT_EQ(error_text(ensure_data_dir(dir_)), "");
  EXPECT_TRUE(std::filesystem::is_directory(dir_));
  EXPECT_EQ(mode_of(dir_), 0700u);
  // Existing: fine, and left as it is.
  EXPECT_EQ(error_text(ensure_data_dir(dir_)), "");
  EXPECT_EQ(mode_of(dir_), 0700u);
}

TEST_F(DataDirTest, OneServerPerDataDirectory) {
  ASSERT_EQ(error_text(ensure_data_dir(dir_)), "");
  EXPECT_EQ(error_text(lock_data_dir(dir_)), "");
  EXPECT_EQ(error_text(lock_data_dir(dir_)), "data directory " + dir_ +
                                                 " is in use by another vouch server (pid " +
                                                 std::to_string(::getpid()) + ")");
  const std::string other = base_ + "/other";
  ASSERT_EQ(error_text(ensure_data_dir(other)), "");
  EXPECT_EQ(error_text(lock_data_dir(other)), "");
  EXPECT_NE(error_text(lock_data_dir(base_ + "/missing")), "");
}

TEST_F(DataDirTest, EnsureErrors) {
  const std::string file = base_ + "/plain-file";
  std::ofstream(file) << "x";
  EXPECT_EQ(error_text(ensure_data_dir(file)), file + " is not a directory");
  const std::string nested = base_ + "/missing/parent";
  EXPECT_EQ(error_text(ensure_data_dir(nested)),
            "cannot create data directory " + nested + ": No such file or directory");
}

TEST_F(DataDirTest, RootFromEnvironment) {
  ASSERT_EQ(error_text(ensure_data_dir(dir_)), "");
  set_root_env("AKIAENVIRONMENT00001", "env-secret", "210987654321");
  core::SeededRandom random(1);
  std::string error;
  auto root = value(load_root(dir_, random), &error);
  ASSERT_TRUE(root) << error;
  EXPECT_EQ(root->account.account_id, "210987654321");
  EXPECT_EQ(root->account.access_key_id, "AKIAENVIRONMENT00001");
  EXPECT_EQ(root->account.secret_access_key, "env-secret");
  EXPECT_FALSE(root->generated);
  EXPECT_EQ(error, "");
  // Nothing is written when the environment names the root.
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/root-credentials"));
}

TEST_F(DataDirTest, RootFromEnvironmentBeatsStoredFile) {
  ASSERT_EQ(error_text(ensure_data_dir(dir_)), "");
  core::SeededRandom random(1);
  std::string error;
  ASSERT_TRUE(value(load_root(dir_, random), &error)) << error;  // generates and stores
  set_root_env("AKIAENVIRONMENT00001", "env-secret", "210987654321");
  auto root = value(load_root(dir_, random), &error);
  ASSERT_TRUE(root) << error;
  EXPECT_EQ(root->account.access_key_id, "AKIAENVIRONMENT00001");
}

TEST_F(DataDirTest, RootFromPartialEnvironmentIsAnError) {
  ASSERT_EQ(error_text(ensure_data_dir(dir_)), "");
  const std::string msg = "set all of VOUCH_ROOT_ACCESS_KEY_ID, VOUCH_ROOT_SECRET_ACCESS_KEY and "
                          "VOUCH_ROOT_ACCOUNT_ID, or none";
  struct Case {
    const char *key, *secret, *account;
  } cases[] = {{"AKIAENVIRONMENT00001", nullptr, nullptr},
               {nullptr, "env-secret", nullptr},
               {nullptr, nullptr, "210987654321"},
               {"AKIAENVIRONMENT00001", "env-secret", nullptr},
               {nullptr, "env-secret", "210987654321"}};
  for (const Case& c : cases) {
    for (const char* name : kRootEnv) ::unsetenv(name);
    set_root_env(c.key, c.secret, c.account);
    core::SeededRandom random(1);
    std::string error;
    EXPECT_FALSE(value(load_root(dir_, random), &error));
    EXPECT_EQ(error, msg);
  }
  // A partial environment never falls back to generating credentials.
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/root-credentials"));
}

TEST_F(DataDirTest, RootFromEnvironmentIsValidated) {
  ASSERT_EQ(error_text(ensure_data_dir(dir_)), "");
  core::SeededRandom random(1);
  std::string error;
  set_root_env("AKIAENVIRONMENT00001", "env-secret", "21098765432");
  EXPECT_FALSE(value(load_root(dir_, random), &error));
  EXPECT_EQ(error, "VOUCH_ROOT_ACCOUNT_ID must be 12 digits");

  set_root_env("AKIAENVIRONMENT00001", "env-secret", "2109876543x1");
  error.clear();
  EXPECT_FALSE(value(load_root(dir_, random), &error));
  EXPECT_EQ(error, "VOUCH_ROOT_ACCOUNT_ID must be 12 digits");

  const std::string key_msg =
      "VOUCH_ROOT_ACCESS_KEY_ID must be 16-128 letters and digits, and the secret non-empty";
  set_root_env("AKIA-SHORT", "env-secret", "210987654321");
  error.clear();
  EXPECT_FALSE(value(load_root(dir_, random), &error));
  EXPECT_EQ(error, key_msg);

  set_root_env("AKIAENVIRONMENT00001", "", "210987654321");
  error.clear();
  EXPECT_FALSE(value(load_root(dir_, random), &error));
  EXPECT_EQ(error, key_msg);
}

TEST_F(DataDirTest, GeneratedRootIsStoredPrivatelyAndReloaded) {
  ASSERT_EQ(error_text(ensure_data_dir(dir_)), "");
  core::SeededRandom random(42);
  std::string error;
  auto first = value(load_root(dir_, random), &error);
  ASSERT_TRUE(first) << error;
  EXPECT_TRUE(first->generated);
  const core::Account& a = first->account;
  EXPECT_EQ(a.account_id.size(), 12u);
  EXPECT_TRUE(all_in(a.account_id, "0123456789")) << a.account_id;
  ASSERT_EQ(a.access_key_id.size(), 20u);
  EXPECT_EQ(a.access_key_id.substr(0, 4), "AKIA");
  EXPECT_TRUE(all_in(a.access_key_id.substr(4), "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"))
      << a.access_key_id;
  EXPECT_EQ(a.secret_access_key.size(), 40u);
  EXPECT_TRUE(all_in(a.secret_access_key,
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"))
      << a.secret_access_key;

  const std::string path = dir_ + "/root-credentials";
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(slurp(path), "account_id=" + a.account_id + "\naccess_key_id=" + a.access_key_id +
                             "\nsecret_access_key=" + a.secret_access_key + "\n");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

  // The next start reads them back, whatever the randomness says now.
  core::SeededRandom other(7);
  auto second = value(load_root(dir_, other), &error);
  ASSERT_TRUE(second) << error;
  EXPECT_FALSE(second->generated);
  EXPECT_EQ(second->account.account_id, a.account_id);
  EXPECT_EQ(second->account.access_key_id, a.access_key_id);
  EXPECT_EQ(second->account.secret_access_key, a.secret_access_key);
  EXPECT_EQ(mode_of(path), 0600u);
}

TEST_F(DataDirTest, GeneratedRootDependsOnRandomness) {
  const std::string other_dir = base_ + "/other";
  ASSERT_EQ(error_text(ensure_data_dir(dir_)), "");
  ASSERT_EQ(error_text(ensure_data_dir(other_dir)), "");
  core::SeededRandom r1(42), r2(42), r3(43);
  std::string error;
  auto a = value(load_root(dir_, r1), &error);
  auto b = value(load_root(other_dir, r2), &error);
  ASSERT_TRUE(a && b) << error;
  EXPECT_EQ(a->account.secret_access_key, b->account.secret_access_key);
  ASSERT_TRUE(std::filesystem::remove(other_dir + "/root-credentials"));
  auto c = value(load_root(other_dir, r3), &error);
  ASSERT_TRUE(c) << error;
  EXPECT_TRUE(c->generated);
  EXPECT_NE(c->account.secret_access_key, a->account.secret_access_key);
}

TEST_F(DataDirTest, DamagedRootFileIsAnError) {
  ASSERT_EQ(error_text(ensure_data_dir(dir_)), "");
  const std::string path = dir_ + "/root-credentials";
  std::ofstream(path) << "account_id=12345\naccess_key_id=AKIAX\nsecret_access_key=s\n";
  core::SeededRandom random(1);
  std::string error;
  EXPECT_FALSE(value(load_root(dir_, random), &error));
  EXPECT_EQ(error, path + " is damaged; remove it to generate new root credentials");
  // It is left for the operator to look at.
  EXPECT_EQ(slurp(path), "account_id=12345\naccess_key_id=AKIAX\nsecret_access_key=s\n");
}

TEST_F(DataDirTest, StoredRootFileIsRead) {
  ASSERT_EQ(error_text(ensure_data_dir(dir_)), "");
  std::ofstream(dir_ + "/root-credentials")
      << "access_key_id=AKIASTOREDKEY0000001\nsecret_access_key=a=b\naccount_id=111122223333\n";
  core::SeededRandom random(1);
  std::string error;
  auto root = value(load_root(dir_, random), &error);
  ASSERT_TRUE(root) << error;
  EXPECT_FALSE(root->generated);
  EXPECT_EQ(root->account.account_id, "111122223333");
  EXPECT_EQ(root->account.access_key_id, "AKIASTOREDKEY0000001");
  EXPECT_EQ(root->account.secret_access_key, "a=b");
}

TEST_F(DataDirTest, SecretKeyIsStableAndPrivate) {
  ASSERT_EQ(error_text(ensure_data_dir(dir_)), "");
  core::SeededRandom r1(5), r2(6);
  std::string error;
  auto first = value(load_secret_key(dir_, r1, true), &error);
  ASSERT_TRUE(first) << error;
  EXPECT_EQ(first->size(), 32u);
  const std::string path = dir_ + "/secret.key";
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(slurp(path), *first);

  auto second = value(load_secret_key(dir_, r2, false), &error);
  ASSERT_TRUE(second) << error;
  EXPECT_EQ(*second, *first);
  EXPECT_EQ(mode_of(path), 0600u);

  // Another seed in a fresh directory gives another key.
  const std::string other = base_ + "/other";
  ASSERT_EQ(error_text(ensure_data_dir(other)), "");
  core::SeededRandom r3(6);
  auto third = value(load_secret_key(other, r3, true), &error);
  ASSERT_TRUE(third) << error;
  EXPECT_NE(*third, *first);
}

std::string remedy(const std::string& path) {
  return ": every verification link already mailed depends on it. Restore it from a backup; or, "
         "to void those links, write a new key with `(umask 077; head -c 32 /dev/urandom > " +
         path + ")`";
}

// A store that holds claims has mailed links signed with the key: a missing
// key is an error, not a new key.
TEST_F(DataDirTest, MissingSecretKeyIsGeneratedOnlyWhenAllowed) {
  ASSERT_EQ(error_text(ensure_data_dir(dir_)), "");
  const std::string path = dir_ + "/secret.key";
  core::SeededRandom random(5);
  std::string error;
  EXPECT_FALSE(value(load_secret_key(dir_, random, false), &error));
  EXPECT_EQ(error, path + " is missing, but " + dir_ + "/vouch.db holds claims" + remedy(path));
  EXPECT_FALSE(std::filesystem::exists(path));

  error.clear();
  auto key = value(load_secret_key(dir_, random, true), &error);
  ASSERT_TRUE(key) << error;
  EXPECT_EQ(slurp(path), *key);
}

// A short or empty file is damage: never replaced, whatever the store holds.
TEST_F(DataDirTest, ShortSecretKeyIsAnError) {
  ASSERT_EQ(error_text(ensure_data_dir(dir_)), "");
  const std::string path = dir_ + "/secret.key";
  for (const std::string& damaged :
       {std::string("too short"), std::string(), std::string(31, 'k')}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << damaged;
    for (bool may_generate : {true, false}) {
      core::SeededRandom random(5);
      std::string error;
      EXPECT_FALSE(value(load_secret_key(dir_, random, may_generate), &error));
      EXPECT_EQ(error, path + " is damaged (" + std::to_string(damaged.size()) +
                           " bytes, at least 32 expected)" + remedy(path));
      EXPECT_EQ(slurp(path), damaged);
    }
  }
  // 32 bytes or more are a key, taken as they are.
  for (const std::string& good : {std::string(32, 'k'), std::string(40, 'l')}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << good;
    core::SeededRandom random(5);
    std::string error;
    auto key = value(load_secret_key(dir_, random, false), &error);
    ASSERT_TRUE(key) << error;
    EXPECT_EQ(*key, good);
  }
}

TEST_F(DataDirTest, UnreadableSecretKeyIsAnError) {
  ASSERT_EQ(error_text(ensure_data_dir(dir_)), "");
  const std::string path = dir_ + "/secret.key";
  ASSERT_TRUE(std::filesystem::create_directory(path));
  core::SeededRandom random(5);
  std::string error;
  EXPECT_FALSE(value(load_secret_key(dir_, random, true), &error));
  EXPECT_EQ(error, "cannot read " + path);
  EXPECT_TRUE(std::filesystem::is_directory(path));
}

TEST_F(DataDirTest, WriteFailureIsReported) {
  const std::string missing = base_ + "/does-not-exist";
  core::SeededRandom random(5);
  std::string error;
  EXPECT_FALSE(value(load_secret_key(missing, random, true), &error));
  EXPECT_EQ(error, "cannot write " + missing + "/secret.key.tmp: No such file or directory");
  error.clear();
  EXPECT_FALSE(value(load_root(missing, random), &error));
  EXPECT_EQ(error, "cannot write " + missing + "/root-credentials.tmp: No such file or directory");
}

TEST_F(DataDirTest, TestClockIsKeptAcrossLoads) {
  ASSERT_EQ(error_text(ensure_data_dir(dir_)), "");
  std::string error;
  EXPECT_FALSE(value(load_test_clock(dir_), &error));  // none saved yet: no error either
  EXPECT_EQ(error, "");
  // A time a test suite could have moved to: past 2038, to the nanosecond.
  const core::TimePoint t(core::TimePoint::duration(4'102'444'800'123'456'789LL));
  ASSERT_TRUE(done(save_test_clock(dir_, t), &error)) << error;
  EXPECT_EQ(
      std::filesystem::status(dir_ + "/test-clock").permissions() & std::filesystem::perms::all,
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto loaded = value(load_test_clock(dir_), &error);
  ASSERT_TRUE(loaded) << error;
  EXPECT_EQ(*loaded, t);
  ASSERT_TRUE(done(save_test_clock(dir_, t + std::chrono::hours(72)), &error)) << error;
  EXPECT_EQ(value(load_test_clock(dir_), &error), t + std::chrono::hours(72));
}

TEST_F(DataDirTest, DamagedTestClockIsAnError) {
  ASSERT_EQ(error_text(ensure_data_dir(dir_)), "");
  for (const char* text : {"", "soon\n", "12x\n", "99999999999999999999999\n"}) {
    std::ofstream(dir_ + "/test-clock") << text;
    std::string error;
    EXPECT_FALSE(value(load_test_clock(dir_), &error)) << text;
    EXPECT_EQ(error, dir_ + "/test-clock is damaged: expected the test clock in nanoseconds; "
                            "remove it to restart the clock at the real time")
        << text;
  }
}

}  // namespace
}  // namespace vouch::cli
