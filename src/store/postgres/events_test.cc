// Who writes a status change's event on PostgreSQL (schema.cc, 12): the
// statements that write history, once per change, with the claim's new
// evidence; history's trigger only for a node of an older schema, whose
// connections do not set vouch.events.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/postgres/pg_test_util.h"
#include "testing/printers.h"

namespace vouch::store::postgres {
namespace {

using core::CheckRecord;
using core::Claim;
using core::ClaimStatus;
using core::StatusChange;

CheckRecord verified(Claim c, const std::string& evidence) {
  c.status = ClaimStatus::kVerified;
  c.next_check_at = T0 + std::chrono::hours(24);
  return {c, evidence, StatusChange{T0, ClaimStatus::kPending, ClaimStatus::kVerified}};
}

// "subject from>to evidence" of every event, in seq order.
std::string events_of(const std::string& db) {
  return query(db,
               "SELECT coalesce(string_agg(subject || ' ' || from_status || '>' || to_status || "
               "' ' || coalesce(evidence, '-'), ', ' ORDER BY seq), '') FROM events");
}

class PostgresEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = fresh_database();
    ASSERT_FALSE(db_.empty());
    store_ = open_store(db_);
    ASSERT_NE(store_, nullptr);
  }
  Claim insert(int n) {
    auto r = store_->insert_claim(make_claim(n));
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : Claim{};
  }

  std::string db_;
  std::unique_ptr<PostgresStore> store_;
};

TEST_F(PostgresEventsTest, EachRecordedChangeWritesOneEventWithItsNewEvidence) {
  Claim a = insert(1), b = insert(2), c = insert(3), d = insert(4);
  CheckRecord unchanged = verified(c, "{\"c\":1}");
  unchanged.change.reset();  // a check that changed no status writes no event
  CheckRecord stale = verified(d, "{\"d\":1}");
  stale.claim.version += 1;  // loses its compare-and-set: no history, no event
  const auto out = store_->record_checks(
      {verified(b, "{\"b\":1}"), unchanged, stale, verified(a, std::string(1025, 'x'))});
  ASSERT_EQ(out.size(), 4u);
  EXPECT_TRUE(out[0].ok() && out[1].ok() && out[3].ok());
  EXPECT_FALSE(out[2].ok());
  ASSERT_OK(store_->record_check(verified(d, "{\"d\":2}").claim, "{\"d\":2}",
                                 StatusChange{T0, ClaimStatus::kPending, ClaimStatus::kVerified}));
  // In the batch's order; evidence over 1,024 characters left out.
  EXPECT_EQ(events_of(db_), "d2.example 0>1 {\"b\":1}, d1.example 0>1 -, d4.example 0>1 {\"d\":2}");
  EXPECT_EQ(query(db_, "SELECT count(*) FROM history"), "3");
}

TEST_F(PostgresEventsTest, HistoryWrittenByANodeOfAnOlderSchemaStillGetsItsEvent) {
  Claim a = insert(1);
  const std::string insert_history = "INSERT INTO history (claim_seq, at, from_status, to_status) "
                                     "VALUES (" +
                                     std::to_string(a.seq) + ", 1, 0, 1)";
  // A connection as an older node opens it: the trigger writes the event.
  EXPECT_EQ(query(db_, insert_history + " RETURNING 'ok'"), "ok");
  EXPECT_EQ(events_of(db_), "d1.example 0>1 -");
  // One that sets vouch.events as this vouch's do: the trigger leaves it.
  EXPECT_EQ(query(db_, "SET vouch.events = 'store'; " + insert_history + " RETURNING 'ok'"), "ok");
  EXPECT_EQ(events_of(db_), "d1.example 0>1 -");
  EXPECT_EQ(query(db_, "SELECT count(*) FROM history"), "2");
}

}  // namespace
}  // namespace vouch::store::postgres
