// Leases on due claims by range (sweep_leases.h): what a lease writes, when a
// range ends, and how another node takes what a dead node left.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/postgres/pg_test_util.h"
#include "testing/printers.h"

namespace vouch::store::postgres {
namespace {

using core::CheckRecord;
using core::Claim;
using std::chrono::minutes;
using std::chrono::seconds;

Claim due_at(int n, core::TimePoint at) {
  Claim c = make_claim(n);
  c.next_check_at = at;
  return c;
}

std::vector<std::string> ids_of(const std::vector<Claim>& claims) {
  std::vector<std::string> out;
  for (const auto& c : claims) out.push_back(c.id);
  return out;
}

// The version of a claim's row (its xmin): a new one for every write.
std::string row_version(const std::string& db, const Claim& c) {
  return query(db, "SELECT xmin::text FROM claims WHERE seq = " + std::to_string(c.seq));
}

std::string live_ranges(const std::string& db) {
  return query(db, "SELECT count(*) FROM sweep_leases");
}

CheckRecord checked(Claim c) {
  c.status = core::ClaimStatus::kVerified;
  c.next_check_at = T0 + std::chrono::hours(24);
  return {c, "{}", std::nullopt};
}

// Records `records` on `node`; each must land.
void record(PostgresStore& node, std::vector<CheckRecord> records) {
  const auto out = node.record_checks(std::move(records));
  for (const auto& r : out) EXPECT_TRUE(r.ok()) << testing::describe(r.error());
}

class SweepLeasesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = fresh_database();
    ASSERT_FALSE(db_.empty());
    a_ = open_store(db_);
    b_ = open_store(db_);
    ASSERT_NE(a_, nullptr);
    ASSERT_NE(b_, nullptr);
  }
  Claim insert(Claim c) {
    auto r = a_->insert_claim(std::move(c));
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : Claim{};
  }

  std::string db_;
  std::unique_ptr<PostgresStore> a_, b_;  // two nodes on one database
};

TEST_F(SweepLeasesTest, ALeaseWritesOneRowAndNoVersionOfTheClaims) {
  Claim x = insert(due_at(1, T0)), y = insert(due_at(2, T0));
  const std::string x0 = row_version(db_, x), y0 = row_version(db_, y);
  auto leased = a_->lease_due_claims(T0, T0 + minutes(1), 10);
  ASSERT_OK(leased);
  EXPECT_EQ(ids_of(*leased), (std::vector<std::string>{x.id, y.id}));
  EXPECT_EQ(live_ranges(db_), "1");
  EXPECT_EQ(row_version(db_, x), x0);
  EXPECT_EQ(row_version(db_, y), y0);
  // Control: recording a check writes a version.
  record(*a_, {checked((*leased)[0])});
  EXPECT_NE(row_version(db_, x), x0);
}

TEST_F(SweepLeasesTest, ARangeEndsWhenThisNodeHasRecordedEachOfItsClaims) {
  insert(due_at(1, T0));
  insert(due_at(2, T0));
  auto leased = a_->lease_due_claims(T0, T0 + minutes(1), 10);
  ASSERT_OK(leased);
  ASSERT_EQ(leased->size(), 2u);
  record(*a_, {checked((*leased)[0])});
  EXPECT_EQ(live_ranges(db_), "1") << "one of its claims is still being checked";
  ASSERT_OK(a_->record_check((*leased)[1], "{}", std::nullopt));
  EXPECT_EQ(live_ranges(db_), "0");
}

TEST_F(SweepLeasesTest, AnotherNodeLeasesPastTheLiveRangesAndTakesADeadNodesClaimsAfterExpiry) {
  Claim x = insert(due_at(1, T0)), y = insert(due_at(2, T0));
  auto held = a_->lease_due_claims(T0, T0 + minutes(1), 10);  // a dies holding them
  ASSERT_OK(held);
  ASSERT_EQ(held->size(), 2u);
  Claim z = insert(due_at(3, T0 + seconds(10)));
  auto next = b_->lease_due_claims(T0 + seconds(30), T0 + minutes(2), 10);
  ASSERT_OK(next);
  EXPECT_EQ(ids_of(*next), std::vector<std::string>{z.id}) << "past a's range only";
  auto none = b_->lease_due_claims(T0 + seconds(59), T0 + minutes(2), 10);
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
  auto rescued = b_->lease_due_claims(T0 + minutes(1), T0 + minutes(3), 10);
  ASSERT_OK(rescued);
  EXPECT_EQ(ids_of(*rescued), (std::vector<std::string>{x.id, y.id})) << "a's lease ran out";
  EXPECT_EQ(b_->get_claim(kScope, x.id)->value().next_check_at, T0 + minutes(3));
}

TEST_F(SweepLeasesTest, AClaimMadeDueInsideALiveRangeWaitsUntilTheRangeEnds) {
  Claim x = insert(due_at(1, T0)), y = insert(due_at(2, T0 + seconds(2)));
  auto leased = a_->lease_due_claims(T0 + seconds(5), T0 + minutes(1), 10);
  ASSERT_OK(leased);
  ASSERT_EQ(leased->size(), 2u);
  // Due between x and y (a due time set in the past): inside a's range.
  Claim w = insert(due_at(3, T0 + seconds(1)));
  auto b_sees = b_->lease_due_claims(T0 + seconds(6), T0 + minutes(2), 10);
  ASSERT_OK(b_sees);
  EXPECT_TRUE(b_sees->empty());
  record(*a_, {checked((*leased)[0]), checked((*leased)[1])});
  auto after = b_->lease_due_claims(T0 + seconds(7), T0 + minutes(2), 10);
  ASSERT_OK(after);
  EXPECT_EQ(ids_of(*after), std::vector<std::string>{w.id}) << "a's range has ended";
  EXPECT_NE(x.id, w.id);
  EXPECT_NE(y.id, w.id);
}

}  // namespace
}  // namespace vouch::store::postgres
