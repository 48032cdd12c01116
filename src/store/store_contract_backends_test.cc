// The backends the Store contract runs against, and its instantiation.
#include <chrono>
#include <functional>
#include <thread>

#include "store/caching_store.h"
#include "store/forwarding_store.h"
#include "store/postgres/followed_cache.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store_contract_test_util.h"
#include "testing/pg_cluster.h"

namespace vouch::core::contract {
namespace {

std::unique_ptr<Store> open_sqlite(const std::string& dir) {
  auto r = store::sqlite::SqliteStore::open(dir + "/vouch.db");
  if (!r.ok()) {
    ADD_FAILURE() << "open sqlite: " << testing::describe(r.error());
    return nullptr;
  }
  return std::move(*r);
}

// The identity cache must keep every promise of the store it fronts; capacity
// 1 rotates its generations on nearly every read.
StoreFactory cached(size_t capacity) {
  return [capacity](const std::string& dir) -> std::unique_ptr<Store> {
    auto inner = open_sqlite(dir);
    if (!inner) return nullptr;
    return std::make_unique<store::CachingStore>(std::move(inner), capacity);
  };
}

// A PostgresStore on a database of its own, dropped with the store. The
// server is the ctest fixture's (or, run by hand, one per process).
class OwnDatabase final : public store::ForwardingStore {
 public:
  OwnDatabase(std::unique_ptr<Store> inner, std::string conninfo)
      : ForwardingStore(std::move(inner)), conninfo_(std::move(conninfo)) {}
  // WITH (FORCE) ends the store's connections; it closes them afterwards.
  ~OwnDatabase() override { (void)testing::drop_pg_database(conninfo_); }

 private:
  std::string conninfo_;
};

// A PostgresStore on a fresh database; `wrap` may put a decorator in front.
std::unique_ptr<Store> open_postgres_as(
    const std::function<std::unique_ptr<Store>(std::unique_ptr<Store>, const std::string&)>& wrap) {
  auto db = testing::fresh_pg_database();
  if (!db.ok()) {
    ADD_FAILURE() << "a test database: " << testing::describe(db.error());
    return nullptr;
  }
  auto r = store::postgres::PostgresStore::open(*db, 4);
  if (!r.ok()) {
    ADD_FAILURE() << "open postgres: " << testing::describe(r.error());
    return nullptr;
  }
  return std::make_unique<OwnDatabase>(wrap(std::move(*r), *db), *db);
}

std::unique_ptr<Store> open_postgres(const std::string&) {
  return open_postgres_as([](std::unique_ptr<Store> pg, const std::string&) { return pg; });
}

// The fleet's identity cache in front of it, once its listener follows.
std::unique_ptr<Store> open_followed_postgres(const std::string&) {
  return open_postgres_as([](std::unique_ptr<Store> pg, const std::string& db) {
    auto followed = std::make_unique<store::postgres::FollowedCache>(std::move(pg), db, 4096);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (followed->listener().connects() == 0 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(followed->listener().connects(), 1u);
    return std::unique_ptr<Store>(std::move(followed));
  });
}

}  // namespace

std::vector<StoreBackend> contract_backends() {
  return {
      {"Sqlite", open_sqlite},
      {"CachedSqlite", cached(4096)},
      {"CachedSqliteCapacity1", cached(1)},
      {"Postgres", open_postgres},
      {"FollowedPostgres", open_followed_postgres},
  };
}

std::string backend_name(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest, ::testing::ValuesIn(contract_backends()),
                         backend_name);

}  // namespace vouch::core::contract
