// scope_counts (schema.cc, 15): each scope's claims of each kind, kept by
// every write of claims (the store's batched and single inserts, deletes, a
// restore; a trigger for a node of an older schema); an upgrade fills it.
// Creates under a quota read it instead of counting claims.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "store/postgres/pg_test_util.h"
#include "store/postgres/schema.h"
#include "testing/printers.h"

namespace vouch::store::postgres {
namespace {

using core::Claim;
using core::ClaimKind;

// (scope, kind)s whose count differs from claims', as a count.
std::string out_of_step(const std::string& db) {
  return query(db,
               "SELECT count(*) FROM (SELECT account_id, region, kind, count(*) AS n FROM claims "
               "GROUP BY 1, 2, 3) c FULL JOIN (SELECT * FROM scope_counts WHERE n != 0) s "
               "USING (account_id, region, kind) WHERE c.n IS DISTINCT FROM s.n");
}

std::string raw_insert(const Claim& c) {
  return "INSERT INTO claims (id, account_id, region, kind, subject, record_name, token, status, "
         "created_at, deadline, attempts, dkim_tokens, tags, version) VALUES ('" +
         c.id + "', '" + c.scope.account_id + "', '" + c.scope.region + "', " +
         std::to_string(static_cast<int>(c.kind == ClaimKind::kSesDomain ? 0 : 2)) + ", '" +
         c.subject + "', '" + c.record_name + "', 't', 0, 1, 2, 0, '', '', 1) RETURNING 'ok'";
}

TEST(PostgresScopeCountsTest, EveryWriteOfClaimsKeepsThemInStep) {
  const std::string db = fresh_database();
  auto store = open_store(db, 4);
  ASSERT_NE(store, nullptr);
  // Batched inserts from many threads, of two scopes and two kinds.
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        Claim c = make_claim(t * 10 + i, i % 2 ? ClaimKind::kLatticeDomain : ClaimKind::kSesDomain);
        if (t % 2) c.scope = core::Scope{"222222222222", "eu-west-1"};
        EXPECT_OK(store->insert_claim(c));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(query(db, "SELECT sum(n) FROM scope_counts"), "40");
  EXPECT_EQ(query(db, "SELECT count(*) FROM scope_counts"), "4");
  EXPECT_EQ(out_of_step(db), "0");
  // A create under a quota, one refused by a unique index, a delete.
  core::CreateRules rules;
  rules.quota = 100;
  rules.one_live_per_subject = false;
  rules.now = T0;
  auto created = store->create_claim_once(make_claim(100), std::nullopt, rules);
  ASSERT_OK(created);
  EXPECT_EQ(created->outcome, core::CreateOutcome::kCreated);
  Claim again = make_claim(100);
  again.id = "dv-again";
  EXPECT_FALSE(store->insert_claim(again).ok());
  auto del = store->delete_claim(kScope, make_claim(0).id);
  ASSERT_OK(del);
  EXPECT_TRUE(*del);
  auto n = store->count_claims(kScope, {ClaimKind::kSesDomain});
  ASSERT_OK(n);
  EXPECT_EQ(*n, 12u);  // four threads' three domains, less the deleted, plus the created
  EXPECT_EQ(out_of_step(db), "0");
  // Writes by SQL alone, as a node of an older schema makes them.
  EXPECT_EQ(query(db, raw_insert(make_claim(200))), "ok");
  EXPECT_EQ(query(db, "WITH d AS (DELETE FROM claims WHERE kind = 2 AND account_id = "
                      "'222222222222' RETURNING 1) SELECT count(*) FROM d"),
            "8");
  EXPECT_EQ(out_of_step(db), "0");
  // A restore (vouch store copy) into another database.
  const std::string to_db = restored_copy(*store);
  ASSERT_FALSE(to_db.empty());
  EXPECT_EQ(query(to_db, "SELECT sum(n) FROM scope_counts"),
            query(db, "SELECT sum(n) FROM scope_counts"));
  EXPECT_EQ(out_of_step(to_db), "0");
  // The control: a session that sets vouch.counts as this vouch's do is left
  // alone by the trigger (the store's statements count themselves).
  EXPECT_EQ(query(db, "SET vouch.counts = 'store'; " + raw_insert(make_claim(300))), "ok");
  EXPECT_EQ(out_of_step(db), "1");
}

TEST(PostgresScopeCountsTest, AnUpgradeFromSchema14FillsThem) {
  const std::string db = fresh_database();
  {
    Conn c(PQconnectdb(db.c_str()));
    ASSERT_OK(migrate(c, 14));
  }
  EXPECT_EQ(query(db, raw_insert(make_claim(1))), "ok");
  EXPECT_EQ(query(db, raw_insert(make_claim(2))), "ok");
  EXPECT_EQ(query(db, "SELECT to_regclass('scope_counts') IS NULL"), "t");  // the control
  auto store = open_store(db);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(query(db, "SELECT max(version) FROM schema_version"),
            std::to_string(latest_schema_version()));
  EXPECT_EQ(out_of_step(db), "0");
  auto n = store->count_claims(kScope, {ClaimKind::kSesDomain});
  ASSERT_OK(n);
  EXPECT_EQ(*n, 2u);
}

}  // namespace
}  // namespace vouch::store::postgres
