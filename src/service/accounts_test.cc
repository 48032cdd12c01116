#include "service/accounts.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "core/clock.h"
#include "store/forwarding_store.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace vouch::service {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Counts the account reads that reach the store, as `vouch account add` and
// `remove` write it from another process.
class CountingStore final : public store::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  core::Result<std::optional<core::Account>> find_account(const std::string& key) override {
    ++reads;
    return ForwardingStore::find_account(key);
  }
  int reads = 0;
};

// A store whose account reads fail, as during a database outage, until healed.
class FailingStore final : public store::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  core::Result<std::optional<core::Account>> find_account(const std::string& key) override {
    ++reads;
    if (failure) return *failure;
    return ForwardingStore::find_account(key);
  }
  std::optional<core::Error> failure;
  int reads = 0;
};

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::sqlite::SqliteStore::open(dir_.file("vouch.db"));
    ASSERT_OK(opened);
    store_ = std::make_unique<CountingStore>(std::move(*opened));
  }
  void put(const std::string& key, const std::string& secret) {
    ASSERT_OK(store_->put_account({"111122223333", key, secret}));
  }
  std::string secret_of(Accounts& a, const std::string& key) {
    auto found = a.find(key);
    if (!found.ok()) return "<error: " + found.error().message + ">";
    return *found ? (*found)->secret_access_key : "<none>";
  }
  // Whether the store holds `key`; false also when the store failed.
  static bool known(Accounts& a, const std::string& key) {
    auto found = a.find(key);
    EXPECT_TRUE(found.ok()) << found.error().message;
    return found.ok() && found->has_value();
  }

  testing::TempDir dir_;
  std::unique_ptr<CountingStore> store_;
  core::ManualClock clock_;
};

TEST_F(AccountsTest, NewSecretIsSeenOnceTheEntryExpires) {
  put("AKIDEXAMPLE", "old-secret");
  Accounts accounts(*store_, clock_, {seconds(2), 100});
  EXPECT_EQ(secret_of(accounts, "AKIDEXAMPLE"), "old-secret");
  put("AKIDEXAMPLE", "new-secret");
  clock_.advance(milliseconds(1999));
  EXPECT_EQ(secret_of(accounts, "AKIDEXAMPLE"), "old-secret");  // cached, within the TTL
  clock_.advance(milliseconds(1));
  EXPECT_EQ(secret_of(accounts, "AKIDEXAMPLE"), "new-secret");
}

TEST_F(AccountsTest, RemovedKeyStopsWorkingOnceTheEntryExpires) {
  put("AKIDEXAMPLE", "secret");
  put("AKIDOTHER", "other");
  Accounts accounts(*store_, clock_, {seconds(2), 100});
  EXPECT_EQ(secret_of(accounts, "AKIDEXAMPLE"), "secret");
  EXPECT_EQ(secret_of(accounts, "AKIDOTHER"), "other");
  ASSERT_OK(store_->delete_account("AKIDEXAMPLE"));
  clock_.advance(seconds(2));
  EXPECT_FALSE(known(accounts, "AKIDEXAMPLE"));
  EXPECT_EQ(secret_of(accounts, "AKIDOTHER"), "other");  // positive control
}

TEST_F(AccountsTest, UnknownKeyIsRememberedForTheTtlThenAskedAgain) {
  Accounts accounts(*store_, clock_, {seconds(2), 100});
  EXPECT_FALSE(known(accounts, "AKIDUNKNOWN"));
  EXPECT_EQ(store_->reads, 1);
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(known(accounts, "AKIDUNKNOWN"));
  EXPECT_EQ(store_->reads, 1);  // retries do not reach the store
  // Added meanwhile: seen once the miss expires.
  put("AKIDUNKNOWN", "secret");
  clock_.advance(seconds(2));
  EXPECT_EQ(secret_of(accounts, "AKIDUNKNOWN"), "secret");
  EXPECT_EQ(store_->reads, 2);
}

TEST_F(AccountsTest, KnownKeyIsReadFromTheStoreOncePerTtl) {
  put("AKIDEXAMPLE", "secret");
  Accounts accounts(*store_, clock_, {seconds(2), 100});
  for (int i = 0; i < 50; ++i) EXPECT_EQ(secret_of(accounts, "AKIDEXAMPLE"), "secret");
  EXPECT_EQ(store_->reads, 1);
  clock_.advance(seconds(3));
  for (int i = 0; i < 50; ++i) EXPECT_EQ(secret_of(accounts, "AKIDEXAMPLE"), "secret");
  EXPECT_EQ(store_->reads, 2);
}

TEST_F(AccountsTest, ManyMadeUpKeysStayWithinTheBound) {
  put("AKIDEXAMPLE", "secret");
  Accounts accounts(*store_, clock_, {seconds(2), 64});
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(known(accounts, "AKIDMADEUP" + std::to_string(i)));
    ASSERT_LE(accounts.size(), 64u);
  }
  EXPECT_EQ(secret_of(accounts, "AKIDEXAMPLE"), "secret");  // still served
}

TEST_F(AccountsTest, ExpiredEntriesMakeRoomFirst) {
  put("AKIDEXAMPLE", "secret");
  Accounts accounts(*store_, clock_, {seconds(2), 64});
  for (int i = 0; i < 63; ++i) EXPECT_FALSE(known(accounts, "AKIDMADEUP" + std::to_string(i)));
  clock_.advance(seconds(1));
  EXPECT_EQ(secret_of(accounts, "AKIDEXAMPLE"), "secret");
  ASSERT_EQ(accounts.size(), 64u);
  clock_.advance(seconds(1));  // the made-up keys expire; AKIDEXAMPLE does not
  EXPECT_FALSE(known(accounts, "AKIDNEW"));
  EXPECT_EQ(accounts.size(), 2u);
  const int reads = store_->reads;
  EXPECT_EQ(secret_of(accounts, "AKIDEXAMPLE"), "secret");
  EXPECT_EQ(store_->reads, reads);  // kept, not dropped with the rest
}

TEST_F(AccountsTest, StoreFailureIsAnErrorNotAnUnknownKey) {
  put("AKIDEXAMPLE", "secret");
  auto opened = store::sqlite::SqliteStore::open(dir_.file("vouch.db"));
  ASSERT_OK(opened);
  FailingStore failing(std::move(*opened));
  failing.failure = core::internal_error("disk I/O error");
  Accounts accounts(failing, clock_, {seconds(2), 100});
  auto found = accounts.find("AKIDEXAMPLE");
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().code, core::ErrorCode::kInternal);
  EXPECT_EQ(found.error().message, "disk I/O error");
  EXPECT_FALSE(accounts.find("AKIDUNKNOWN").ok());
  EXPECT_EQ(accounts.size(), 0u);  // failures are not remembered
  // Healed: the next request asks the store again, at once.
  failing.failure.reset();
  EXPECT_EQ(secret_of(accounts, "AKIDEXAMPLE"), "secret");
  EXPECT_FALSE(known(accounts, "AKIDUNKNOWN"));  // positive control: a missing key is unknown
  EXPECT_EQ(failing.reads, 4);
}

}  // namespace
}  // namespace vouch::service
