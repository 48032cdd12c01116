// Migration 15 (delivery by cursor) on a store whose trigger had written a
// row per event: the pending rows drain as retries, the counts carry over,
// the events already queued are not sent again, and new ones go out from the
// cursor.
#include <gtest/gtest.h>

#include <string>

#include "store/sqlite/db.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace vouch::store::sqlite {
namespace {

const core::TimePoint T0 = core::TimePoint(std::chrono::seconds(1'700'000'000));

std::string event_sql(int64_t at_seconds) {
  return "INSERT INTO events (account_id, region, claim_id, kind, subject, from_status, "
         "to_status, at) VALUES ('111122223333', 'us-east-1', 'id-" +
         std::to_string(at_seconds) + "', 0, 'a.example', 0, 1, " +
         std::to_string(at_seconds * 1'000'000'000) + ")";
}

TEST(WebhookMigrationTest, PendingRowsDrainAndNewEventsGoOutFromTheCursor) {
  testing::TempDir dir;
  const std::string path = dir.file("vouch.db");
  const int64_t t0 = 1'700'000'000;
  {
    Conn conn(path, false);
    ASSERT_TRUE(conn.ok());
    ASSERT_OK(migrate_to(conn, 14));
    ASSERT_OK(conn.exec(
        "INSERT INTO webhooks (id, account_id, url, event_types, secret, created_at, disabled, "
        "kind_mask) VALUES ('wh-1', '111122223333', 'https://hooks.example/', '', 's', 0, 0, -1)"));
    ASSERT_OK(conn.exec(event_sql(t0).c_str()));  // the trigger queues a row for each
    ASSERT_OK(conn.exec(event_sql(t0 + 1).c_str()));
    ASSERT_OK(
        conn.exec("UPDATE webhook_deliveries SET state = 1, attempts = 1, first_attempt_at = 5, "
                  "last_attempt_at = 5 WHERE id = 1"));
  }
  auto opened = SqliteStore::open(path);
  ASSERT_OK(opened);
  auto& store = **opened;
  auto hooks = store.list_webhooks("111122223333");
  ASSERT_OK(hooks);
  ASSERT_EQ(hooks->size(), 1u);
  EXPECT_EQ((*hooks)[0].health.delivered, 1);
  EXPECT_EQ((*hooks)[0].health.pending, 1) << "the row left pending";
  EXPECT_EQ((*hooks)[0].webhook.cursor, 2) << "past the events the trigger queued";

  auto due = store.lease_due_deliveries(T0 + std::chrono::seconds(10), T0 + std::chrono::minutes(5),
                                        10);
  ASSERT_OK(due);
  ASSERT_EQ(due->size(), 1u) << "the pending row, not the delivered event again";
  EXPECT_EQ((*due)[0].delivery.id, 2);
  ASSERT_TRUE((*due)[0].event.has_value());
  EXPECT_EQ((*due)[0].event->seq, 2);

  {
    Conn conn(path, false);
    ASSERT_TRUE(conn.ok());
    ASSERT_OK(conn.exec(event_sql(t0 + 2).c_str()));
  }
  auto next = store.lease_due_deliveries(T0 + std::chrono::seconds(10),
                                         T0 + std::chrono::minutes(5), 10);
  ASSERT_OK(next);
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ((*next)[0].delivery.id, 0) << "from the cursor: no trigger row any more";
  EXPECT_EQ((*next)[0].event->seq, 3);
}

}  // namespace
}  // namespace vouch::store::sqlite
