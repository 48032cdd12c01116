// The cli's fleet pieces on a real PostgreSQL (the ctest fixture's cluster):
// nodes starting at once agree on one secret key and one generated root, the
// shared test clock moves for every node, and `vouch store copy` fills an
// empty database from a data directory and refuses a second time.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>
#include <vector>

#include "cli/data_dir.h"
#include "cli/shared_clock.h"
#include "cli/shared_secrets.h"
#include "cli/store_copy.h"
#include "cli/store_factory.h"
#include "core/random.h"
#include "testing/pg_cluster.h"
#include "testing/temp_dir.h"

namespace vouch::cli {
namespace {

const core::TimePoint kStart{std::chrono::seconds(1767225600)};

class FleetPgTest : public ::testing::Test {
 protected:
  FleetPgTest() {
    auto db = testing::fresh_pg_database();
    if (!db.ok()) {
      ADD_FAILURE() << testing::describe(db.error());
      return;
    }
    conninfo_ = *db;
  }
  ~FleetPgTest() override {
    if (!conninfo_.empty()) (void)testing::drop_pg_database(conninfo_);
  }
  // One node's store: its own pool on the shared database.
  std::unique_ptr<core::Store> node() {
    auto s = open_shared_store(conninfo_, 2);
    if (!s.ok()) {
      ADD_FAILURE() << testing::describe(s.error());
      return nullptr;
    }
    return std::move(*s);
  }
  std::string conninfo_;
};

TEST_F(FleetPgTest, TheFactoryOpensPostgres) {
  auto s = node();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->name(), "postgres");
  EXPECT_OK(s->ping());
}

TEST_F(FleetPgTest, NodesStartingAtOnceAgreeOnTheSecretKeyAndTheRoot) {
  constexpr int kNodes = 4;
  std::vector<std::unique_ptr<core::Store>> stores;
  for (int i = 0; i < kNodes; ++i) stores.push_back(node());
  for (auto& s : stores) ASSERT_NE(s, nullptr);
  std::vector<core::Result<std::string>> keys(kNodes, core::Error{});
  std::vector<core::Result<SharedRoot>> roots(kNodes, core::Error{});
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes; ++i) {
    threads.emplace_back([&, i] {
      core::SeededRandom random(i + 1);
      roots[i] = shared_root(*stores[i], random);
      keys[i] = shared_secret_key(*stores[i], random);
    });
  }
  for (auto& t : threads) t.join();
  int generated = 0;
  for (int i = 0; i < kNodes; ++i) {
    ASSERT_OK(keys[i]);
    ASSERT_OK(roots[i]);
    EXPECT_EQ(*keys[i], *keys[0]);
    EXPECT_EQ(roots[i]->root.account.access_key_id, roots[0]->root.account.access_key_id);
    EXPECT_TRUE(roots[i]->retired.empty());
    generated += roots[i]->root.generated;
  }
  EXPECT_EQ(generated, 1);  // one node prints the new root
  auto account = stores[0]->find_account(roots[0]->root.account.access_key_id);
  ASSERT_OK(account);
  EXPECT_TRUE(account->has_value());
}

TEST_F(FleetPgTest, TheTestClockMovesForEveryNode) {
  auto a_store = node(), b_store = node();
  ASSERT_NE(a_store, nullptr);
  ASSERT_NE(b_store, nullptr);
  auto a = SharedTestClock::open(*a_store, kStart);
  auto b = SharedTestClock::open(*b_store, kStart + std::chrono::hours(1));
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_EQ((*b)->now(), kStart);
  ASSERT_OK((*a)->move_by(std::chrono::hours(72)));
  EXPECT_EQ((*b)->now(), kStart + std::chrono::hours(72));
}

TEST_F(FleetPgTest, StoreCopyFillsAnEmptyDatabaseOnceAndKeepsTheSecretKey) {
  testing::TempDir dir;
  {
    auto sqlite = store::sqlite::SqliteStore::open(dir.file("vouch.db"));
    ASSERT_OK(sqlite);
    ASSERT_OK((*sqlite)->put_account({"111122223333", "AKIAROOTROOTROOTROOT", "root-secret"}));
  }
  const std::string secret(32, '\0');  // NULs too: PostgreSQL text holds none
  std::ofstream(dir.file("secret.key"), std::ios::binary) << secret;
  std::ofstream(dir.file("root-key-id")) << "AKIAROOTROOTROOTROOT\n";
  auto from = open_copy_source(dir.path());
  ASSERT_OK(from);
  auto to = node();
  ASSERT_NE(to, nullptr);
  auto counts = copy_store(dir.path(), **from, *to);
  ASSERT_OK(counts);
  EXPECT_EQ(counts->accounts, 1u);
  EXPECT_EQ(counts->settings, 2u);
  core::SeededRandom random(1);
  auto key = shared_secret_key(*to, random);
  ASSERT_OK(key);
  EXPECT_EQ(*key, secret);
  auto again = copy_store(dir.path(), **from, *to);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, core::ErrorCode::kConflict);
}

}  // namespace
}  // namespace vouch::cli
