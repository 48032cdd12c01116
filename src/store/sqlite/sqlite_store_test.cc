// What the SQLite backend promises beyond the Store contract: the file keeps
// everything across reopen and across a SIGKILL of the writer, the schema
// version is stamped and a newer one refused, and the group-commit writer
// keeps concurrent writes apart (one failing write does not sink its batch).
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/db.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/schema.h"
#include "testing/temp_dir.h"

namespace vouch::store::sqlite {
namespace {

using core::Claim;
using core::ClaimKind;
using core::ClaimStatus;
using core::ErrorCode;
using core::Scope;
using std::chrono::hours;
using std::chrono::nanoseconds;

const Scope kScope{"111122223333", "us-east-1"};
const std::vector<ClaimKind> kAllKinds = {ClaimKind::kSesDomain, ClaimKind::kSesEmail,
                                          ClaimKind::kLatticeDomain};
const core::TimePoint T0 = core::TimePoint(nanoseconds(1'700'000'000'123'456'789));

std::unique_ptr<SqliteStore> open_or_die(const std::string& path) {
  auto r = SqliteStore::open(path);
  if (!r.ok()) {
    ADD_FAILURE() << "open " << path << ": " << testing::describe(r.error());
    return nullptr;
  }
  return std::move(*r);
}

// Claim number i, every field derived from i, so a reader can tell an intact
// row from a torn one without any other record.
Claim numbered_claim(int i) {
  char id[32];
  std::snprintf(id, sizeof id, "id-%020d", i);
  Claim c;
  c.id = id;
  c.scope = kScope;
  c.kind = kAllKinds[static_cast<size_t>(i) % 3];
  c.subject = "n" + std::to_string(i) + ".example";
  c.record_name = "_amazonses." + c.subject;
  c.token = "token-" + std::to_string(int64_t{i} * 7919);
  c.status = static_cast<ClaimStatus>(i % 4);
  c.created_at = T0 + nanoseconds(i);
  c.deadline = T0 + hours(72) + nanoseconds(i);
  if (i % 2) c.next_check_at = T0 + nanoseconds(3 * i);
  if (i % 3) c.last_verified_at = T0 - nanoseconds(i);
  if (i % 5) c.absent_since = T0 + hours(i);
  c.attempts = i % 11;
  if (i % 4 == 0) c.dkim_tokens = {"a" + std::to_string(i), "b", "c"};
  c.tags = {{"n", std::to_string(i)}, {"ü", "✓" + std::to_string(i)}};
  return c;
}

int number_of(const Claim& c) { return std::stoi(c.subject.substr(1)); }

// Every field but seq and version (which the store assigns).
void expect_intact(const Claim& got, int i) {
  SCOPED_TRACE("claim " + std::to_string(i));
  Claim want = numbered_claim(i);
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.scope, want.scope);
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.subject, want.subject);
  EXPECT_EQ(got.record_name, want.record_name);
  EXPECT_EQ(got.token, want.token);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.deadline, want.deadline);
  EXPECT_EQ(got.next_check_at, want.next_check_at);
  EXPECT_EQ(got.last_verified_at, want.last_verified_at);
  EXPECT_EQ(got.absent_since, want.absent_since);
  EXPECT_EQ(got.attempts, want.attempts);
  EXPECT_EQ(got.dkim_tokens, want.dkim_tokens);
  EXPECT_EQ(got.tags, want.tags);
  EXPECT_GT(got.seq, 0);
}

std::vector<Claim> list_all(core::Store& store, const Scope& scope) {
  std::vector<Claim> out;
  core::ListQuery q{scope, kAllKinds, 0, 500};
  for (;;) {
    auto page = store.list_claims(q);
    EXPECT_TRUE(page.ok()) << testing::describe(page.error());
    if (!page.ok() || page->empty()) return out;
    for (auto& c : *page) out.push_back(std::move(c));
    q.after_seq = out.back().seq;
  }
}

// Runs one statement on the file directly and returns the first column of the
// first row as text ("" if none).
std::string sql_scalar(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  std::string out;
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  int rc = sqlite3_step(s);
  EXPECT_TRUE(rc == SQLITE_ROW || rc == SQLITE_DONE) << sqlite3_errmsg(db);
  if (rc == SQLITE_ROW && sqlite3_column_text(s, 0)) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::string db_path() const { return dir_.file("vouch.db"); }
  testing::TempDir dir_;
};

TEST_F(SqliteStoreTest, IsNamedSqlite) {
  auto store = open_or_die(db_path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->name(), "sqlite");
}

TEST_F(SqliteStoreTest, ReopeningTheFileKeepsEverything) {
  std::vector<Claim> written;
  {
    auto store = open_or_die(db_path());
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 12; ++i) {
      auto r = store->insert_claim(numbered_claim(i));
      ASSERT_OK(r);
      written.push_back(*r);
    }
    Claim updated = written[5];
    updated.attempts = 1;  // numbered_claim(5) has 5
    auto u = store->update_claim(updated);
    ASSERT_OK(u);
    written[5] = *u;
    auto d = store->delete_claim(kScope, written[11].id);
    ASSERT_OK(d);
    ASSERT_TRUE(*d);
    written.pop_back();
    ASSERT_OK(store->put_account(core::Account{"111122223333", "AKIDEXAMPLE", "s3cr3t"}));
  }
  auto store = open_or_die(db_path());
  ASSERT_NE(store, nullptr);
  auto got = list_all(*store, kScope);
  ASSERT_EQ(got.size(), written.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].seq, written[i].seq);
    EXPECT_EQ(got[i].version, written[i].version);
    if (i == 5) {
      EXPECT_EQ(got[i].attempts, 1);
      EXPECT_EQ(got[i].version, 2);
    } else {
      expect_intact(got[i], static_cast<int>(i));
    }
  }
  auto account = store->find_account("AKIDEXAMPLE");
  ASSERT_OK(account);
  ASSERT_TRUE(*account);
  EXPECT_EQ((*account)->secret_access_key, "s3cr3t");
  // Seqs keep increasing past every seq handed out before, even a deleted one.
  auto next = store->insert_claim(numbered_claim(100));
  ASSERT_OK(next);
  EXPECT_GT(next->seq, written.back().seq + 1);
  // Uniqueness survives the reopen.
  auto dup = store->insert_claim(numbered_claim(0));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
}

// Writes `c` as row `seq` straight into the claims table, as an older vouch
// would have (migration tests start from an older schema).
void insert_raw(Conn& conn, const Claim& c, int64_t seq) {
  // The columns of schema version 1 (later migrations add to them).
  Stmt s = conn.prepare(
      "INSERT INTO claims (seq, id, account_id, region, kind, subject, record_name, token, "
      "status, created_at, deadline, next_check_at, last_verified_at, absent_since, attempts, "
      "dkim_tokens, tags, version) VALUES (?18, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
      "?12, ?13, ?14, ?15, ?16, 1)");
  bind_claim(s, c);  // ?17 (a later column) is left unused
  s.bind(18, seq);
  EXPECT_EQ(s.step(), SQLITE_DONE);
}

// The group commit wraps each write in a savepoint; its journal must stay in
// memory rather than spill page by page to a temporary file.
TEST_F(SqliteStoreTest, TheWriterKeepsSavepointJournalsInMemory) {
  auto pragma = [this](bool read_only) {
    Conn conn(db_path(), read_only);
    EXPECT_TRUE(conn.ok());
    Stmt s = conn.prepare("PRAGMA temp_store");
    EXPECT_EQ(s.step(), SQLITE_ROW);
    return s.int_at(0);
  };
  EXPECT_EQ(pragma(false), 2);  // MEMORY
  EXPECT_EQ(pragma(true), 0);   // readers write nothing: the default
}

TEST_F(SqliteStoreTest, Migration6MovesEachClaimsEvidenceIntoItsRow) {
  Claim kept = numbered_claim(1);
  {
    Conn conn(db_path(), false);
    ASSERT_TRUE(conn.ok());
    ASSERT_OK(migrate_to(conn, 5));
    insert_raw(conn, kept, 1);
    ASSERT_OK(conn.exec(("INSERT INTO evidence (claim_id, body) VALUES ('" + kept.id +
                         "', '{\"outcome\":\"found\"}'), ('id-orphan', '{}')")
                            .c_str()));
  }
  auto store = open_or_die(db_path());
  ASSERT_NE(store, nullptr);
  auto evidence = store->last_evidence(kept.id);
  ASSERT_OK(evidence);
  EXPECT_EQ(*evidence, std::optional<std::string>("{\"outcome\":\"found\"}"));
  auto got = store->get_claim(kScope, kept.id);
  ASSERT_OK(got);
  ASSERT_TRUE(got->has_value());
  expect_intact(**got, 1);
  EXPECT_EQ(sql_scalar(db_path(), "SELECT count(*) FROM sqlite_master WHERE name = 'evidence'"),
            "0");
}

TEST_F(SqliteStoreTest, Migration7KeysHistoryByClaimSeqAndKeepsItsOrder) {
  Claim kept = numbered_claim(1);
  {
    Conn conn(db_path(), false);
    ASSERT_TRUE(conn.ok());
    ASSERT_OK(migrate_to(conn, 6));
    insert_raw(conn, kept, 7);
    // Two changes at the same instant keep their insertion order; a row of a
    // claim that is gone is dropped.
    ASSERT_OK(conn.exec(("INSERT INTO history (claim_id, at, from_status, to_status) VALUES "
                         "('" +
                         kept.id + "', 5, 0, 1), ('id-orphan', 1, 0, 1), ('" + kept.id +
                         "', 5, 1, 2), ('" + kept.id + "', 3, 2, 1)")
                            .c_str()));
  }
  auto store = open_or_die(db_path());
  ASSERT_NE(store, nullptr);
  auto history = store->history(kept.id);
  ASSERT_OK(history);
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].to, ClaimStatus::kVerified);    // at 3: 2 -> 1
  EXPECT_EQ((*history)[1].to, ClaimStatus::kVerified);    // at 5: 0 -> 1
  EXPECT_EQ((*history)[2].from, ClaimStatus::kVerified);  // at 5: 1 -> 2
  EXPECT_EQ(sql_scalar(db_path(), "SELECT count(*) FROM history"), "3");
  EXPECT_EQ(sql_scalar(db_path(), "SELECT group_concat(claim_seq) FROM history"), "7,7,7");
  // Deleting the claim takes its history along.
  ASSERT_OK(store->delete_claim(kScope, kept.id));
  EXPECT_EQ(sql_scalar(db_path(), "SELECT count(*) FROM history"), "0");
}

TEST_F(SqliteStoreTest, ClientTokensReplayWithinTheirWindowAndArePrunedAfterIt) {
  auto store = open_or_die(db_path());
  ASSERT_NE(store, nullptr);
  core::CreateRules rules;
  rules.token_window = hours(8);
  rules.now = T0;
  auto create = [&](int i, const std::string& token, const std::string& hash) {
    Claim c = numbered_claim(i);
    c.kind = ClaimKind::kLatticeDomain;
    c.id = "dv-" + std::to_string(100000 + i);
    return store->create_claim_once(c, core::IdempotencyKey{token, hash, "response-" + token},
                                    rules);
  };
  auto first = create(1, "tok-a", "h1");
  ASSERT_OK(first);
  EXPECT_EQ(first->outcome, core::CreateOutcome::kCreated);
  auto again = create(2, "tok-a", "h1");
  ASSERT_OK(again);
  EXPECT_EQ(again->outcome, core::CreateOutcome::kReplayed);
  EXPECT_EQ(again->response, "response-tok-a");
  auto other = create(3, "tok-a", "h2");
  ASSERT_OK(other);
  EXPECT_EQ(other->outcome, core::CreateOutcome::kTokenMismatch);
  // Another scope's token, also old by then.
  {
    Claim c = numbered_claim(4);
    c.kind = ClaimKind::kLatticeDomain;
    c.id = "dv-elsewhere";
    c.scope.region = "eu-west-1";
    ASSERT_OK(store->create_claim_once(c, core::IdempotencyKey{"tok-x", "h", "r"}, rules));
  }
  EXPECT_EQ(sql_scalar(db_path(), "SELECT count(*) FROM idempotency"), "2");
  // Past the window: the token is free again, and the expired row of this
  // scope is gone once a new token is written (the other scope's stays until
  // that scope writes one).
  rules.now = T0 + hours(8);
  auto reused = create(5, "tok-a", "h2");
  ASSERT_OK(reused);
  EXPECT_EQ(reused->outcome, core::CreateOutcome::kCreated);
  rules.now = T0 + hours(9);
  ASSERT_OK(create(6, "tok-b", "h3"));
  EXPECT_EQ(sql_scalar(db_path(), "SELECT group_concat(client_token) FROM "
                                  "(SELECT client_token FROM idempotency ORDER BY client_token)"),
            "tok-a,tok-b,tok-x");
  rules.now = T0 + hours(16) + std::chrono::minutes(30);  // tok-a's window is over, tok-b's not
  ASSERT_OK(create(7, "tok-c", "h4"));
  EXPECT_EQ(sql_scalar(db_path(), "SELECT group_concat(client_token) FROM "
                                  "(SELECT client_token FROM idempotency ORDER BY client_token)"),
            "tok-b,tok-c,tok-x");
}

TEST_F(SqliteStoreTest, StampsTheSchemaVersion) {
  ASSERT_GE(SqliteStore::schema_version(), 1);
  {
    auto store = open_or_die(db_path());
    ASSERT_NE(store, nullptr);
  }
  EXPECT_EQ(sql_scalar(db_path(), "PRAGMA user_version"),
            std::to_string(SqliteStore::schema_version()));
  EXPECT_EQ(sql_scalar(db_path(), "PRAGMA journal_mode"), "wal");
  // Reopening a current database neither fails nor changes the stamp.
  {
    auto store = open_or_die(db_path());
    ASSERT_NE(store, nullptr);
  }
  EXPECT_EQ(sql_scalar(db_path(), "PRAGMA user_version"),
            std::to_string(SqliteStore::schema_version()));
}

TEST_F(SqliteStoreTest, RefusesADatabaseFromANewerVouch) {
  {
    auto store = open_or_die(db_path());
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->insert_claim(numbered_claim(1)));
  }
  const int newer = SqliteStore::schema_version() + 1;
  sql_scalar(db_path(), "PRAGMA user_version=" + std::to_string(newer));

  auto r = SqliteStore::open(db_path());
  ASSERT_FALSE(r.ok()) << "opened a schema " << newer << " database";
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  EXPECT_NE(r.error().message.find("newer"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(std::to_string(newer)), std::string::npos) << r.error().message;
  // The refused file is left as it was.
  EXPECT_EQ(sql_scalar(db_path(), "PRAGMA user_version"), std::to_string(newer));
  EXPECT_EQ(sql_scalar(db_path(), "SELECT count(*) FROM claims"), "1");
}

TEST_F(SqliteStoreTest, OpenFailsCleanlyWhereNoFileCanBeCreated) {
  auto r = SqliteStore::open(dir_.file("no/such/dir/vouch.db"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
}

TEST_F(SqliteStoreTest, SixteenWritersGetDistinctSeqsWhileReadersRun) {
  auto store = open_or_die(db_path());
  ASSERT_NE(store, nullptr);
  constexpr int kWriters = 16;
  constexpr int kPerWriter = 125;  // 2,000 claims
  std::atomic<bool> writing{true};
  std::atomic<int> write_errors{0}, read_errors{0}, reads{0};
  std::mutex mu;
  std::vector<Claim> inserted;

  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&, r] {
      size_t last_count = 0;
      while (writing.load()) {
        auto n = store->count_claims(kScope, kAllKinds);
        if (!n.ok() || *n < last_count) ++read_errors;  // counts never go backwards
        if (n.ok()) last_count = *n;
        auto page = store->list_claims(core::ListQuery{kScope, kAllKinds, 0, 50});
        if (!page.ok()) ++read_errors;
        else {
          for (size_t i = 1; i < page->size(); ++i) {
            if ((*page)[i].seq <= (*page)[i - 1].seq) ++read_errors;
          }
        }
        auto got = store->get_claim(kScope, numbered_claim(r).id);
        if (!got.ok()) ++read_errors;
        ++reads;
      }
    });
  }
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int k = 0; k < kPerWriter; ++k) {
        auto r = store->insert_claim(numbered_claim(w * kPerWriter + k));
        if (!r.ok()) {
          ++write_errors;
          continue;
        }
        std::lock_guard lock(mu);
        inserted.push_back(*r);
      }
    });
  }
  for (auto& t : writers) t.join();
  writing = false;
  for (auto& t : readers) t.join();

  EXPECT_EQ(write_errors.load(), 0);
  EXPECT_EQ(read_errors.load(), 0);
  EXPECT_GT(reads.load(), 0);
  ASSERT_EQ(inserted.size(), static_cast<size_t>(kWriters * kPerWriter));
  std::set<int64_t> seqs;
  for (const auto& c : inserted) seqs.insert(c.seq);
  EXPECT_EQ(seqs.size(), inserted.size()) << "two inserts were handed the same seq";

  auto all = list_all(*store, kScope);
  ASSERT_EQ(all.size(), inserted.size());
  std::map<int64_t, int> by_seq;
  for (const auto& c : inserted) by_seq[c.seq] = number_of(c);
  for (const auto& c : all) {
    ASSERT_TRUE(by_seq.count(c.seq)) << c.id;
    EXPECT_EQ(by_seq[c.seq], number_of(c)) << "seq reported to the writer differs from the row's";
    expect_intact(c, number_of(c));
  }
}

TEST_F(SqliteStoreTest, AFailingWriteDoesNotLoseTheOtherWritesOfItsBatch) {
  auto store = open_or_die(db_path());
  ASSERT_NE(store, nullptr);
  // 16 threads each insert 40 unique SES domains and race for 40 shared ones:
  // duplicates fail (kConflict) inside the same batches as unique writes.
  constexpr int kThreads = 16;
  constexpr int kUnique = 40;
  constexpr int kShared = 40;
  std::mutex mu;
  std::map<std::string, std::string> winners;  // shared subject -> id that won
  std::vector<std::string> unique_ids;
  std::atomic<int> unique_failures{0}, conflicts{0}, other_errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kUnique + kShared; ++k) {
        Claim c;
        c.scope = kScope;
        c.kind = ClaimKind::kSesDomain;
        c.created_at = T0;
        c.deadline = T0 + hours(72);
        const bool shared = k % 2 == 1;
        char id[32];
        std::snprintf(id, sizeof id, "id-%010d%010d", t, k);
        c.id = id;
        c.subject = shared ? "shared" + std::to_string(k) + ".example"
                           : "t" + std::to_string(t) + "-" + std::to_string(k) + ".example";
        c.token = c.id;
        auto r = store->insert_claim(c);
        std::lock_guard lock(mu);
        if (r.ok()) {
          if (shared) {
            if (!winners.emplace(c.subject, c.id).second) ++other_errors;  // two winners
          } else {
            unique_ids.push_back(c.id);
          }
        } else if (r.error().code == ErrorCode::kConflict && shared) {
          ++conflicts;
        } else {
          if (!shared) ++unique_failures;
          else ++other_errors;
          ADD_FAILURE() << c.subject << ": " << testing::describe(r.error());
        }
      }
    });
  }
  for (auto& t : threads) t.join();

  EXPECT_EQ(unique_failures.load(), 0);
  EXPECT_EQ(other_errors.load(), 0);
  EXPECT_EQ(winners.size(), static_cast<size_t>(kShared));
  EXPECT_EQ(conflicts.load(), (kThreads - 1) * kShared);
  ASSERT_EQ(unique_ids.size(), static_cast<size_t>(kThreads * kUnique));
  for (const auto& id : unique_ids) {
    auto got = store->get_claim(kScope, id);
    ASSERT_OK(got);
    EXPECT_TRUE(*got) << "acknowledged write " << id << " is missing";
  }
  for (const auto& [subject, id] : winners) {
    auto got = store->find_identity(kScope, subject);
    ASSERT_OK(got);
    ASSERT_TRUE(*got) << subject;
    EXPECT_EQ((*got)->id, id);
    EXPECT_EQ((*got)->token, id);
  }
  auto n = store->count_claims(kScope, kAllKinds);
  ASSERT_OK(n);
  EXPECT_EQ(*n, static_cast<size_t>(kThreads * kUnique + kShared));
}

// A write the row mapping cannot encode (a tag that is not UTF-8 cannot be
// written as JSON) fails with an error; it must not end the writer thread or
// sink the writes batched with it.
TEST_F(SqliteStoreTest, AWriteThatCannotBeEncodedFailsAloneAndTheStoreGoesOn) {
  auto store = open_or_die(db_path());
  ASSERT_NE(store, nullptr);
  Claim bad = numbered_claim(1);
  bad.tags = {{"key", "\xff\xfe not utf-8"}};
  auto r = store->insert_claim(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  auto got = store->get_claim(kScope, bad.id);
  ASSERT_OK(got);
  EXPECT_FALSE(*got);

  std::vector<std::thread> threads;
  std::atomic<int> good_ok{0}, bad_failed{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 20; ++k) {
        const int i = 10 + t * 20 + k;
        Claim c = numbered_claim(i);
        const bool poison = k % 5 == 0;
        if (poison) c.tags = {{"\x80", "v"}};
        auto res = store->insert_claim(c);
        if (poison) bad_failed += res.ok() ? 0 : 1;
        else good_ok += res.ok() ? 1 : 0;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad_failed.load(), 8 * 4);
  EXPECT_EQ(good_ok.load(), 8 * 16);
  auto n = store->count_claims(kScope, kAllKinds);
  ASSERT_OK(n);
  EXPECT_EQ(*n, static_cast<size_t>(8 * 16));
  for (const auto& c : list_all(*store, kScope)) expect_intact(c, number_of(c));
}

// The SIGKILL guarantee: a write acknowledged to its caller survives the
// process being killed at any moment. A child process inserts from 4 threads
// and reports each acknowledged id on a pipe; the parent kills it mid-stream,
// reopens the file and looks for every reported id.
TEST_F(SqliteStoreTest, AcknowledgedWritesSurviveSigkill) {
  constexpr int kKillAfter = 400;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const std::string path = db_path();
  std::fflush(nullptr);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child: never returns into the test framework.
    close(fds[0]);
    auto opened = SqliteStore::open(path);
    if (!opened.ok()) _exit(2);
    auto store = std::move(*opened);
    std::atomic<int> next{0};
    std::mutex pipe_mu;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (;;) {
          int i = next.fetch_add(1);
          if (i >= 1'000'000) return;
          if (!store->insert_claim(numbered_claim(i)).ok()) _exit(3);
          std::string line = std::to_string(i) + "\n";
          std::lock_guard lock(pipe_mu);
          if (write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size()))
            _exit(4);
        }
      });
    }
    for (auto& t : threads) t.join();
    _exit(0);
  }
  close(fds[1]);

  std::vector<int> acked;
  std::string buffer;
  bool killed = false;
  char chunk[4096];
  for (;;) {
    ssize_t n = read(fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the child is gone
    buffer.append(chunk, static_cast<size_t>(n));
    size_t nl;
    while ((nl = buffer.find('\n')) != std::string::npos) {
      acked.push_back(std::stoi(buffer.substr(0, nl)));
      buffer.erase(0, nl + 1);
    }
    if (!killed && acked.size() >= kKillAfter) {
      ASSERT_EQ(kill(child, SIGKILL), 0);
      killed = true;  // keep reading: acks already in the pipe count too
    }
  }
  close(fds[0]);
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(killed) << "the child ended before it was killed";
  ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exit status " << WEXITSTATUS(wstatus);
  EXPECT_EQ(WTERMSIG(wstatus), SIGKILL);
  EXPECT_TRUE(buffer.empty()) << "a torn ack line: " << buffer;
  ASSERT_GE(acked.size(), static_cast<size_t>(kKillAfter));

  EXPECT_EQ(sql_scalar(path, "PRAGMA integrity_check"), "ok");
  auto store = open_or_die(path);
  ASSERT_NE(store, nullptr);
  for (int i : acked) {
    auto got = store->get_claim(kScope, numbered_claim(i).id);
    ASSERT_OK(got);
    ASSERT_TRUE(*got) << "acknowledged claim " << i << " was lost";
    expect_intact(**got, i);
    EXPECT_EQ((*got)->version, 1);
  }
  // Every row that made it is whole; at most the 4 in-flight writes are extra.
  auto all = list_all(*store, kScope);
  EXPECT_GE(all.size(), acked.size());
  EXPECT_LE(all.size(), acked.size() + 4);
  std::set<int64_t> seqs;
  for (const auto& c : all) {
    expect_intact(c, number_of(c));
    seqs.insert(c.seq);
  }
  EXPECT_EQ(seqs.size(), all.size());
  // And the reopened store accepts writes.
  ASSERT_OK(store->insert_claim(numbered_claim(2'000'000)));
}

}  // namespace
}  // namespace vouch::store::sqlite
