// claim_due (schema.cc, 14): the due order and the status search beside
// claims, so that a recorded check is a HOT update of claims. Every write of
// the store keeps it in step; a node of an older schema is kept in step by
// the trigger; an upgrade fills it.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "store/postgres/pg_test_util.h"
#include "store/postgres/rows.h"
#include "store/postgres/schema.h"
#include "testing/printers.h"

namespace vouch::store::postgres {
namespace {

using core::CheckRecord;
using core::Claim;
using core::ClaimKind;
using core::ClaimStatus;
using core::StatusChange;
using std::chrono::hours;

// Claims whose claim_due row is missing, extra or differs, as a count.
std::string out_of_step(const std::string& db) {
  return query(db, "SELECT count(*) FROM claims c FULL JOIN claim_due d ON d.seq = c.seq "
                   "WHERE c.seq IS NULL OR d.seq IS NULL OR c.next_check_at IS DISTINCT FROM "
                   "d.next_check_at OR c.status != d.status OR c.account_id != d.account_id OR "
                   "c.region != d.region OR c.kind != d.kind");
}

CheckRecord verified(Claim c, const std::string& evidence) {
  StatusChange change{T0, c.status, ClaimStatus::kVerified};
  c.status = ClaimStatus::kVerified;
  c.next_check_at = T0 + hours(24);
  return {c, evidence, change};
}

// The subjects of claims `q` finds by status (the console's search).
std::string subjects_with(PostgresStore& s, ClaimStatus status) {
  core::ClaimSearch q;
  q.list = {kScope, {ClaimKind::kSesDomain, ClaimKind::kLatticeDomain}, 0, 100};
  q.status = status;
  auto r = s.search_claims(q);
  if (!r.ok()) return testing::describe(r.error());
  std::string out;
  for (const auto& c : *r) out += (out.empty() ? "" : " ") + c.subject;
  return out;
}

std::string due_subjects(PostgresStore& s, core::TimePoint now) {
  auto r = s.due_claims(now, 100);
  if (!r.ok()) return testing::describe(r.error());
  std::string out;
  for (const auto& c : *r) out += (out.empty() ? "" : " ") + c.subject;
  return out;
}

TEST(PostgresClaimDueTest, EveryWriteOfTheStoreKeepsItInStep) {
  const std::string db = fresh_database();
  auto store = open_store(db, 4);
  ASSERT_NE(store, nullptr);
  // Inserts: one alone, creates under the rules, and a batch (creates at once).
  Claim a = make_claim(1);
  a.next_check_at = T0 + hours(1);
  auto ins = store->insert_claim(a);
  ASSERT_OK(ins);
  a = *ins;
  core::CreateRules rules;
  rules.quota = 100;
  rules.now = T0;
  auto created = store->create_claim_once(make_claim(2), std::nullopt, rules);
  ASSERT_OK(created);
  std::vector<std::thread> threads;
  for (int n = 10; n < 30; ++n) {
    threads.emplace_back([&, n] { EXPECT_TRUE(store->insert_claim(make_claim(n)).ok()); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(query(db, "SELECT count(*) FROM claim_due"), "22");
  EXPECT_EQ(out_of_step(db), "0");
  // Updates: the whole claim, a check, a batch of checks, one claim twice.
  a.status = ClaimStatus::kFailed;
  a.next_check_at.reset();
  auto upd = store->update_claim(a);
  ASSERT_OK(upd);
  EXPECT_EQ(out_of_step(db), "0");
  auto b = store->get_claim(kScope, make_claim(2).id);
  ASSERT_OK(b);
  ASSERT_TRUE(b->has_value());
  auto rec = verified(**b, "{\"b\":1}");
  ASSERT_OK(store->record_check(rec.claim, rec.evidence, rec.change));
  std::vector<CheckRecord> batch;
  for (int n = 10; n < 15; ++n) {
    auto c = store->get_claim(kScope, make_claim(n).id);
    ASSERT_OK(c);
    ASSERT_TRUE(c->has_value());
    batch.push_back(verified(**c, "{}"));
  }
  for (const auto& r : store->record_checks(batch)) EXPECT_TRUE(r.ok());
  auto c15 = store->get_claim(kScope, make_claim(15).id);
  ASSERT_OK(c15);
  ASSERT_TRUE(c15->has_value());
  for (const auto& r : store->record_checks({verified(**c15, "{}"), verified(**c15, "{}")})) {
    (void)r;  // one of the two loses its compare-and-set
  }
  EXPECT_EQ(out_of_step(db), "0");
  EXPECT_EQ(query(db, "SELECT count(*) FROM claim_due WHERE status = 1"), "7");
  // Deletes.
  auto del = store->delete_claim(kScope, make_claim(20).id);
  ASSERT_OK(del);
  EXPECT_TRUE(*del);
  EXPECT_EQ(query(db, "SELECT count(*) FROM claim_due"), "21");
  EXPECT_EQ(out_of_step(db), "0");
  // A restore (vouch store copy) into another database.
  const std::string to_db = restored_copy(*store);
  ASSERT_FALSE(to_db.empty());
  EXPECT_EQ(query(to_db, "SELECT count(*) FROM claim_due"), "21");
  EXPECT_EQ(out_of_step(to_db), "0");
  // The control: a write of claims alone, as this vouch's sessions would
  // make it without the store's statements, is seen out of step.
  EXPECT_EQ(query(db, "SET vouch.due = 'store'; UPDATE claims SET status = 2 WHERE id = '" + a.id +
                          "' RETURNING 'ok'"),
            "ok");
  EXPECT_EQ(out_of_step(db), "1");
  ASSERT_OK(store->clear_claims());
  EXPECT_EQ(query(db, "SELECT count(*) FROM claim_due"), "0");
}

TEST(PostgresClaimDueTest, DueReadsAndTheStatusSearchFollowIt) {
  const std::string db = fresh_database();
  auto store = open_store(db);
  ASSERT_NE(store, nullptr);
  for (int n = 1; n <= 4; ++n) {
    Claim c = make_claim(n);
    c.next_check_at = T0 + hours(5 - n);  // d4 is due first
    ASSERT_OK(store->insert_claim(c));
  }
  // A kind the search leaves out (subjects_with lists two kinds), due last.
  Claim dkim = make_claim(5, ClaimKind::kSesDkim);
  dkim.next_check_at = T0 + hours(3);
  ASSERT_OK(store->insert_claim(dkim));
  EXPECT_EQ(due_subjects(*store, T0 + hours(3)), "d4.example d3.example d2.example d5.example");
  EXPECT_EQ(subjects_with(*store, ClaimStatus::kPending),
            "d1.example d2.example d3.example d4.example");
  auto c = store->get_claim(kScope, make_claim(3).id);
  ASSERT_OK(c);
  ASSERT_TRUE(c->has_value());
  CheckRecord failed = verified(**c, "{}");
  failed.claim.status = ClaimStatus::kFailed;
  failed.claim.next_check_at.reset();
  failed.change->to = ClaimStatus::kFailed;
  for (const auto& r : store->record_checks({failed})) ASSERT_OK(r);
  EXPECT_EQ(due_subjects(*store, T0 + hours(3)), "d4.example d2.example d5.example");
  EXPECT_EQ(subjects_with(*store, ClaimStatus::kPending), "d1.example d2.example d4.example");
  EXPECT_EQ(subjects_with(*store, ClaimStatus::kFailed), "d3.example");
  auto counted = store->count_due_claims(T0 + hours(3), 100);
  ASSERT_OK(counted);
  EXPECT_EQ(counted->count, 3u);
  EXPECT_EQ(counted->oldest, T0 + hours(1));
}

// A claims row as a node of schema 13 writes it (no claim_due of its own).
std::string older_insert(int n, int64_t next_check_at) {
  const Claim c = make_claim(n);
  return "INSERT INTO claims (id, account_id, region, kind, subject, record_name, token, "
         "status, created_at, deadline, next_check_at, attempts, dkim_tokens, tags, version) "
         "VALUES ('" +
         c.id + "', '" + kScope.account_id + "', '" + kScope.region + "', 0, '" + c.subject +
         "', '" + c.record_name + "', 't', 0, 1, 2, " + std::to_string(next_check_at) +
         ", 0, '', '', 1) RETURNING 'ok'";
}

TEST(PostgresClaimDueTest, WritesOfANodeOfAnOlderSchemaAreMirrored) {
  const std::string db = fresh_database();
  auto store = open_store(db);
  ASSERT_NE(store, nullptr);
  const int64_t t0 = to_nanos(T0);
  // A connection as an older node opens it (no vouch.due): mirrored.
  EXPECT_EQ(query(db, older_insert(1, t0)), "ok");
  EXPECT_EQ(due_subjects(*store, T0), "d1.example");
  EXPECT_EQ(query(db, "UPDATE claims SET next_check_at = NULL, status = 3 RETURNING 'ok'"), "ok");
  EXPECT_EQ(due_subjects(*store, T0), "");
  EXPECT_EQ(subjects_with(*store, ClaimStatus::kFailed), "d1.example");
  EXPECT_EQ(out_of_step(db), "0");
  EXPECT_EQ(query(db, "DELETE FROM claims RETURNING 'ok'"), "ok");
  EXPECT_EQ(query(db, "SELECT count(*) FROM claim_due"), "0");
  // The control: a session that sets vouch.due as this vouch's do is left
  // alone (the store's statements write claim_due themselves).
  EXPECT_EQ(query(db, "SET vouch.due = 'store'; " + older_insert(2, t0)), "ok");
  EXPECT_EQ(query(db, "SELECT count(*) FROM claim_due"), "0");
  EXPECT_EQ(out_of_step(db), "1");
}

TEST(PostgresClaimDueTest, AnUpgradeFromSchema13FillsIt) {
  const std::string db = fresh_database();
  {
    Conn c(PQconnectdb(db.c_str()));
    ASSERT_OK(migrate(c, 13));
  }
  EXPECT_EQ(query(db, "SELECT max(version) FROM schema_version"), "13");
  const int64_t t0 = to_nanos(T0);
  EXPECT_EQ(query(db, older_insert(1, t0 + 2)), "ok");
  EXPECT_EQ(query(db, older_insert(2, t0 + 1)), "ok");
  EXPECT_EQ(query(db, "SELECT to_regclass('claim_due') IS NULL"), "t");  // the control
  auto store = open_store(db);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(query(db, "SELECT max(version) FROM schema_version"),
            std::to_string(latest_schema_version()));
  EXPECT_EQ(out_of_step(db), "0");
  EXPECT_EQ(due_subjects(*store, T0 + hours(1)), "d2.example d1.example");
  EXPECT_EQ(subjects_with(*store, ClaimStatus::kPending), "d1.example d2.example");
}

TEST(PostgresClaimDueTest, NoIndexOfClaimsHoldsAColumnACheckWrites) {
  const std::string db = fresh_database();
  ASSERT_NE(open_store(db), nullptr);
  // Every column record_checks sets (claim_writes.cc): an index that held
  // one would take a new entry for each recorded check (no HOT update).
  const std::string written =
      "'status|deadline|next_check_at|last_verified_at|absent_since|attempts|evidence|version|"
      "lease_until'";
  const std::string holding = "SELECT count(*) FROM pg_indexes WHERE tablename = '";
  const std::string which = "' AND indexdef ~ ('\\m(' || " + written + " || ')\\M')";
  EXPECT_EQ(query(db, holding + "claims" + which), "0");
  EXPECT_EQ(query(db, holding + "claim_due" + which), "2");  // the control: the pattern matches
  EXPECT_EQ(query(db, "SELECT array_to_string(reloptions, ',') FROM pg_class "
                      "WHERE relname = 'claims'"),
            "fillfactor=25");
}

}  // namespace
}  // namespace vouch::store::postgres
