// Events written by the store with their history rows (migration 16): on a
// store migrated from 15, whose trigger wrote them, a change makes exactly
// one event; and the evidence limit counts as SQLite's length() does.
#include "store/sqlite/history_rows.h"

#include <gtest/gtest.h>

#include <string>

#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace vouch::store::sqlite {
namespace {

int64_t scalar(Conn& c, const std::string& sql) {
  Stmt s = c.prepare(sql);
  EXPECT_EQ(s.step(), SQLITE_ROW) << sql;
  return s.int_at(0);
}

TEST(HistoryRowsTest, AStoreMigratedFrom15WritesOneEventPerChange) {
  testing::TempDir dir;
  const std::string path = dir.file("vouch.db");
  {
    Conn conn(path, false);
    ASSERT_TRUE(conn.ok());
    ASSERT_OK(migrate_to(conn, 15));
    ASSERT_OK(conn.exec(
        "INSERT INTO claims (id, account_id, region, kind, subject, record_name, token, status, "
        "created_at, deadline, attempts, dkim_tokens, tags, version, evidence) VALUES ('id-1', "
        "'111122223333', 'us-east-1', 0, 'a.example', '_amazonses.a.example', 't', 0, 0, 0, 0, "
        "'', '', 1, '{}')"));
    ASSERT_OK(conn.exec("INSERT INTO history (claim_seq, at, from_status, to_status) VALUES "
                        "(1, 5, 0, 1)"));
    // The control: at 15 the trigger turned the history row into an event.
    EXPECT_EQ(scalar(conn, "SELECT count(*) FROM events"), 1);
  }
  auto opened = SqliteStore::open(path);
  ASSERT_OK(opened);
  auto& store = **opened;
  const core::Scope scope{"111122223333", "us-east-1"};
  auto claim = store.get_claim(scope, "id-1");
  ASSERT_OK(claim);
  ASSERT_TRUE(claim->has_value());
  core::Claim c = **claim;
  c.status = core::ClaimStatus::kFailed;
  const core::TimePoint at = core::TimePoint(std::chrono::seconds(1'700'000'000));
  ASSERT_OK(store.record_check(c, "{\"n\":2}",
                               core::StatusChange{at, core::ClaimStatus::kVerified, c.status}));
  auto events = store.list_events(scope.account_id, 0, 10);
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 2u) << "one event for the change, not one more from a trigger";
  EXPECT_EQ((*events)[1].seq, 2);
  EXPECT_EQ((*events)[1].evidence, std::optional<std::string>("{\"n\":2}"));
  EXPECT_EQ((*events)[1].change.to, core::ClaimStatus::kFailed);
}

// What SQLite's length() says of the same text, bound as TEXT with its bytes.
int64_t sqlite_length(Conn& c, std::string_view text) {
  Stmt s = c.prepare("SELECT length(?1)");
  s.bind(1, text);
  EXPECT_EQ(s.step(), SQLITE_ROW);
  return s.int_at(0);
}

TEST(HistoryRowsTest, TextLengthCountsAsSqliteDoes) {
  testing::TempDir dir;
  Conn conn(dir.file("x.db"), false);
  ASSERT_TRUE(conn.ok());
  using std::string_literals::operator""s;
  for (const std::string& text :
       {""s, "ascii"s, "\xc3\xa9t\xc3\xa9"s, "\xf0\x9f\x98\x80!"s, "\x80\x80stray"s, "cut\xe2\x82"s,
        "nul\0after"s, "\xff\xfe"s, std::string(1500, 'a')}) {
    EXPECT_EQ(static_cast<int64_t>(sqlite_text_length(text)), sqlite_length(conn, text))
        << ::testing::PrintToString(text);
  }
}

}  // namespace
}  // namespace vouch::store::sqlite
