// scope_counts (schema.cc, 17): each scope's claims of each kind, kept by
// triggers on claims (inserts, a unique index's refusal, deletes, a
// restore); an upgrade fills it. count_claims and the quota read it.
#include <gtest/gtest.h>

#include <string>

#include "store/sqlite/db.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/printers.h"
#include "testing/temp_dir.h"

namespace vouch::store::sqlite {
namespace {

using core::Claim;
using core::ClaimKind;

const core::Scope kScope{"111122223333", "us-east-1"};
const core::TimePoint T0 = core::TimePoint(std::chrono::seconds(1'700'000'000));

std::string scalar(const std::string& path, const std::string& sql) {
  Conn c(path, true);
  Stmt s = c.prepare(sql);
  return s.step() == SQLITE_ROW ? s.text_at(0) : "(no row)";
}

// (scope, kind)s whose count differs from claims', as a count.
std::string out_of_step(const std::string& path) {
  return scalar(path,
                "SELECT count(*) FROM (SELECT account_id, region, kind, count(*) AS n FROM claims "
                "GROUP BY 1, 2, 3) c FULL JOIN (SELECT * FROM scope_counts WHERE n != 0) s "
                "USING (account_id, region, kind) WHERE c.n IS NOT s.n");
}

Claim claim(int n, ClaimKind kind, const core::Scope& scope = kScope) {
  Claim c;
  c.id = "id-" + std::to_string(n);
  c.scope = scope;
  c.kind = kind;
  c.subject = "d" + std::to_string(n) + ".example";
  c.record_name = "_amazonses." + c.subject;
  c.token = "t";
  c.created_at = T0;
  c.deadline = T0 + std::chrono::hours(72);
  return c;
}

std::string raw_insert(int n) {
  return "INSERT INTO claims (id, account_id, region, kind, subject, record_name, token, status, "
         "created_at, deadline, attempts, dkim_tokens, tags, version) VALUES ('raw-" +
         std::to_string(n) + "', '" + kScope.account_id + "', '" + kScope.region + "', 0, 'raw" +
         std::to_string(n) + ".example', 'r', 't', 0, 1, 2, 0, '', '', 1)";
}

TEST(SqliteScopeCountsTest, EveryWriteOfClaimsKeepsThemInStep) {
  testing::TempDir dir;
  const std::string path = dir.file("vouch.db");
  auto opened = SqliteStore::open(path);
  ASSERT_OK(opened);
  auto& store = **opened;
  const core::Scope other{"222222222222", "eu-west-1"};
  for (int i = 0; i < 12; ++i) {
    ASSERT_OK(store.insert_claim(claim(i, i % 2 ? ClaimKind::kLatticeDomain : ClaimKind::kSesDomain,
                                       i % 3 ? kScope : other)));
  }
  EXPECT_FALSE(store.insert_claim(claim(0, ClaimKind::kSesDomain)).ok());  // its id is taken
  auto del = store.delete_claim(kScope, "id-1");
  ASSERT_OK(del);
  EXPECT_TRUE(*del);
  EXPECT_EQ(scalar(path, "SELECT sum(n) FROM scope_counts"), "11");
  EXPECT_EQ(out_of_step(path), "0");
  auto n = store.count_claims(kScope, {ClaimKind::kSesDomain, ClaimKind::kLatticeDomain});
  ASSERT_OK(n);
  EXPECT_EQ(*n, 7u);  // of 1, 2, 4, 5, 7, 8, 10, 11: less 1
  // A restore (vouch store copy) into another file.
  auto snap = store.snapshot();
  ASSERT_OK(snap);
  const std::string to_path = dir.file("copy.db");
  auto to = SqliteStore::open(to_path);
  ASSERT_OK(to);
  ASSERT_OK((*to)->restore(*snap));
  EXPECT_EQ(scalar(to_path, "SELECT sum(n) FROM scope_counts"), "11");
  EXPECT_EQ(out_of_step(to_path), "0");
  // The control: a count written by hand is seen out of step.
  {
    Conn c(path, false);
    ASSERT_OK(c.exec("UPDATE scope_counts SET n = n + 1 WHERE kind = 0"));
  }
  EXPECT_NE(out_of_step(path), "0");
}

TEST(SqliteScopeCountsTest, AnUpgradeFromSchema16FillsThem) {
  testing::TempDir dir;
  const std::string path = dir.file("vouch.db");
  {
    Conn conn(path, false);
    ASSERT_TRUE(conn.ok());
    ASSERT_OK(migrate_to(conn, 16));
    ASSERT_OK(conn.exec(raw_insert(1).c_str()));
    ASSERT_OK(conn.exec(raw_insert(2).c_str()));
  }
  EXPECT_EQ(scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = 'scope_counts'"),
            "0");  // the control
  auto opened = SqliteStore::open(path);
  ASSERT_OK(opened);
  EXPECT_EQ(out_of_step(path), "0");
  auto n = (*opened)->count_claims(kScope, {ClaimKind::kSesDomain});
  ASSERT_OK(n);
  EXPECT_EQ(*n, 2u);
}

}  // namespace
}  // namespace vouch::store::sqlite
