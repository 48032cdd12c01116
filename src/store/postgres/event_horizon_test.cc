// A webhook's cursor never passes an event whose transaction is still open:
// sequence values are taken before commit, so a later event can commit first.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <string>
#include <vector>

#include "store/postgres/pg_test_util.h"
#include "testing/printers.h"

namespace vouch::store::postgres {
namespace {

using core::Claim;
using core::ClaimStatus;
using std::chrono::minutes;

// A connection that holds one transaction open between statements.
class OpenTransaction {
 public:
  explicit OpenTransaction(const std::string& conninfo) : c_(PQconnectdb(conninfo.c_str())) {}
  ~OpenTransaction() { PQfinish(c_); }
  std::string run(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    const auto st = PQresultStatus(r);
    std::string out = st == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0)
                      : st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK
                          ? std::string("ok")
                          : std::string(PQresultErrorMessage(r));
    PQclear(r);
    return out;
  }

 private:
  PGconn* c_;
};

std::vector<int64_t> leased_seqs(PostgresStore& store, core::TimePoint now) {
  auto due = store.lease_due_deliveries(now, now + minutes(5), 100);
  EXPECT_TRUE(due.ok()) << testing::describe(due.error());
  std::vector<int64_t> out;
  std::vector<std::pair<core::WebhookDelivery, bool>> sent;
  if (due.ok()) {
    for (const auto& d : *due) {
      out.push_back(d.event->seq);
      core::WebhookDelivery w = d.delivery;
      w.state = core::WebhookDelivery::State::kDelivered;
      w.attempts += 1;
      w.first_attempt_at = w.last_attempt_at = now;
      sent.emplace_back(w, false);
    }
  }
  EXPECT_TRUE(store.record_deliveries(sent).ok());
  return out;
}

TEST(EventHorizonTest, ACursorWaitsForAnEventWhoseTransactionIsStillOpen) {
  const std::string db = fresh_database();
  ASSERT_FALSE(db.empty());
  auto store = open_store(db);
  ASSERT_NE(store, nullptr);
  core::Webhook w{"wh-1", kScope.account_id, "https://hooks.example/1", {}, "whsec_1", T0, false};
  ASSERT_OK(store->insert_webhook(w, 10));
  auto a = store->insert_claim(make_claim(1));
  auto b = store->insert_claim(make_claim(2));
  ASSERT_OK(a);
  ASSERT_OK(b);

  // The open transaction has its xid (a write), then takes the next seq.
  OpenTransaction open(db);
  ASSERT_EQ(open.run("BEGIN"), "ok");
  ASSERT_NE(open.run("SELECT txid_current()"), "");
  const std::string held = open.run(
      "INSERT INTO events (account_id, region, claim_id, kind, subject, from_status, "
      "to_status, at) VALUES ('" +
      kScope.account_id + "', '" + kScope.region + "', '" + a->id + "', 0, '" + a->subject +
      "', 0, 1, 0) RETURNING seq");
  ASSERT_GT(std::stoll(held), 0) << held;

  // A later event commits first.
  Claim later = *b;
  later.status = ClaimStatus::kVerified;
  ASSERT_OK(store->record_check(
      later, "{}", core::StatusChange{T0, ClaimStatus::kPending, ClaimStatus::kVerified}));
  for (int pass = 0; pass < 3; ++pass) {
    EXPECT_TRUE(leased_seqs(*store, T0 + minutes(10 * pass)).empty())
        << "pass " << pass << ": the cursor went past seq " << held << " while it was open";
  }

  // Control: once it commits, both go out, in order.
  ASSERT_EQ(open.run("COMMIT"), "ok");
  std::vector<int64_t> seqs;
  for (int pass = 3; pass < 6 && seqs.size() < 2; ++pass) {
    for (int64_t s : leased_seqs(*store, T0 + minutes(10 * pass))) seqs.push_back(s);
  }
  ASSERT_EQ(seqs.size(), 2u);
  EXPECT_EQ(seqs[0], std::stoll(held));
  EXPECT_LT(seqs[0], seqs[1]);
}

}  // namespace
}  // namespace vouch::store::postgres
