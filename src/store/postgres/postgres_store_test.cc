// What only the PostgreSQL store promises beyond the contract suite
// (store_contract_test.cc): many nodes on one database, and outages.
#include "store/postgres/postgres_store.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <numeric>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/postgres/pg_test_util.h"
#include "store/postgres/rows.h"
#include "testing/pg_cluster.h"
#include "testing/printers.h"
#include "testing/temp_dir.h"

namespace vouch::store::postgres {
namespace {

using core::Claim;
using core::ClaimKind;
using core::ErrorCode;
using std::chrono::hours;
using std::chrono::seconds;

// Lattice claims unless a test says otherwise.
Claim make_claim(int n, ClaimKind kind = ClaimKind::kLatticeDomain) {
  return postgres::make_claim(n, kind);
}

TEST(PostgresStoreTest, MigratesOnceWhenFourNodesOpenAnEmptyDatabaseAtOnce) {
  const std::string db = fresh_database();
  ASSERT_FALSE(db.empty());
  std::vector<core::Result<std::unique_ptr<PostgresStore>>> opened;
  for (int i = 0; i < 4; ++i) opened.emplace_back(core::internal_error("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { opened[i] = PostgresStore::open(db, 1); });
  }
  for (auto& t : threads) t.join();
  for (auto& o : opened) ASSERT_OK(o);
  EXPECT_EQ(query(db, "SELECT count(*) || ':' || max(version) FROM schema_version"),
            "1:" + std::to_string(PostgresStore::schema_version()));
  ASSERT_OK((*opened[0])->insert_claim(make_claim(1)));
  auto seen = (*opened[3])->get_claim(kScope, make_claim(1).id);
  ASSERT_OK(seen);
  EXPECT_TRUE(seen->has_value());
}

TEST(PostgresStoreTest, RefusesADatabaseNewerThanTheBuild) {
  const std::string db = fresh_database();
  ASSERT_FALSE(db.empty());
  ASSERT_NE(open_store(db), nullptr);
  query(db, "UPDATE schema_version SET version = version + 1");
  auto again = PostgresStore::open(db, 1);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("newer"), std::string::npos) << again.error().message;
}

TEST(PostgresStoreTest, AClosedPortIsUnavailableAndNamesTheServer) {
  // A port nothing listens on: bound to nothing once a listener is gone.
  auto s = PostgresStore::open("host=127.0.0.1 port=1 dbname=vouch connect_timeout=2", 2);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable) << testing::describe(s.error());
  EXPECT_NE(s.error().message.find("127.0.0.1"), std::string::npos) << s.error().message;
  auto uri = PostgresStore::open("postgres://postgres@127.0.0.1:1/vouch?connect_timeout=2", 1);
  ASSERT_FALSE(uri.ok());
  EXPECT_EQ(uri.error().code, ErrorCode::kUnavailable);
}

// The keyword=value pairs of a conninfo.
std::map<std::string, std::string> parse(const std::string& conninfo) {
  std::map<std::string, std::string> out;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), nullptr);
  for (auto* o = opts; o && o->keyword; ++o) {
    if (o->val) out[o->keyword] = o->val;
  }
  PQconninfoFree(opts);
  return out;
}

TEST(PostgresStoreTest, OpensAUriAndTheEnvironmentToo) {
  const std::string db = fresh_database();
  ASSERT_FALSE(db.empty());
  auto kv = parse(db);
  auto uri = PostgresStore::open(
      "postgresql://" + kv["user"] + "@" + kv["host"] + ":" + kv["port"] + "/" + kv["dbname"], 1);
  ASSERT_OK(uri);
  ASSERT_OK((*uri)->put_setting("seen", "by uri"));
  // An empty conninfo: libpq's PG* variables say where.
  const std::pair<const char*, const char*> vars[] = {
      {"PGHOST", "host"}, {"PGPORT", "port"}, {"PGUSER", "user"}, {"PGDATABASE", "dbname"}};
  for (const auto& [var, key] : vars) setenv(var, kv[key].c_str(), 1);
  auto env = PostgresStore::open("", 1);
  for (const auto& [var, key] : vars) unsetenv(var);
  ASSERT_OK(env);
  auto seen = (*env)->get_setting("seen");
  ASSERT_OK(seen);
  EXPECT_EQ(*seen, std::optional<std::string>("by uri"));
}

TEST(PostgresStoreTest, ARestoreLeavesTheTablesAnalyzed) {
  auto from = open_store(fresh_database());
  ASSERT_NE(from, nullptr);
  for (int i = 0; i < 300; ++i) ASSERT_OK(from->insert_claim(make_claim(i, ClaimKind::kSesDomain)));
  auto snap = from->snapshot();
  ASSERT_OK(snap);
  const std::string db = fresh_database();
  auto to = open_store(db);
  ASSERT_NE(to, nullptr);
  const std::string rows =
      "SELECT string_agg(reltuples::bigint::text, ' ' ORDER BY relname) FROM pg_class "
      "WHERE relname IN ('claims', 'claim_due')";
  EXPECT_EQ(query(db, rows), "-1 -1");  // the control: never analyzed
  ASSERT_OK(to->restore(*snap));
  // The planner knows the 300 rows: a subject lookup is an index probe, not
  // a walk through the scope; a due scan reads claim_due's due index.
  EXPECT_EQ(query(db, rows), "300 300");
}

TEST(PostgresStoreTest, ClaimsAreAnalyzedOnceANodeHasInsertedAsManyAsTheyCounted) {
  const std::string db = fresh_database();
  auto store = open_store(db);
  ASSERT_NE(store, nullptr);
  // Ours alone: no autovacuum on either table.
  query(db, "ALTER TABLE claims SET (autovacuum_enabled = false)");
  query(db, "ALTER TABLE claim_due SET (autovacuum_enabled = false)");
  const std::string rows =
      "SELECT string_agg(reltuples::bigint::text, ' ' ORDER BY relname) FROM pg_class "
      "WHERE relname IN ('claims', 'claim_due')";
  for (int i = 0; i < 999; ++i)
    ASSERT_OK(store->insert_claim(make_claim(i, ClaimKind::kSesDomain)));
  EXPECT_EQ(query(db, rows), "-1 -1");  // the control: 999 new rows, not yet
  ASSERT_OK(store->insert_claim(make_claim(999, ClaimKind::kSesDomain)));
  EXPECT_EQ(query(db, rows), "1000 1000");
  // Next when the table has doubled, not before.
  for (int i = 1000; i < 1999; ++i) {
    ASSERT_OK(store->insert_claim(make_claim(i, ClaimKind::kSesDomain)));
  }
  EXPECT_EQ(query(db, rows), "1000 1000");
  ASSERT_OK(store->insert_claim(make_claim(1999, ClaimKind::kSesDomain)));
  EXPECT_EQ(query(db, rows), "2000 2000");
}

TEST(PostgresRowsTest, ClaimColumnsAreRowCodecsWithTheLeaseInTheDueTime) {
  // A column added to VOUCH_CLAIM_COLUMNS goes into PostgreSQL's list too.
  std::string want = VOUCH_CLAIM_COLUMNS;
  const std::string due = "next_check_at";
  want.replace(want.find(due), due.size(), VOUCH_PG_NEXT_CHECK_AT);
  EXPECT_EQ(want, VOUCH_PG_CLAIM_COLUMNS);
}

TEST(PostgresStoreTest, NameAndPing) {
  auto store = open_store(fresh_database());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->name(), "postgres");
  EXPECT_OK(store->ping());
}

// The server process behind a pooled connection.
std::string backend_of(Pool::Lease& lease) {
  auto r = lease->exec("SELECT pg_backend_pid()");
  return r.ok() && r->rows() == 1 ? r->text_at(0, 0) : std::string("error");
}

TEST(PostgresStoreTest, ThePoolHandsOutTheConnectionReturnedLast) {
  auto pool = Pool::open(fresh_database(), 3);
  ASSERT_OK(pool);
  std::string first, second;
  {
    auto a = (*pool)->acquire();
    auto b = (*pool)->acquire();
    ASSERT_OK(a);
    ASSERT_OK(b);
    first = backend_of(**a);
    second = backend_of(**b);
    EXPECT_NE(first, second);  // two at once: two connections
    a->reset();                // returned first
  }                            // b returned last
  for (int i = 0; i < 3; ++i) {
    auto c = (*pool)->acquire();
    ASSERT_OK(c);
    EXPECT_EQ(backend_of(**c), second);  // and taken again each time
  }
}

// Waiters are served first come, first served: each of five, queued in
// turn behind the one connection, gets it in that order, and a caller that
// arrives while they wait queues behind them rather than taking it.
TEST(PostgresStoreTest, ThePoolServesWaitersInTheOrderTheyCame) {
  auto pool = Pool::open(fresh_database(), 1);
  ASSERT_OK(pool);
  auto held = (*pool)->acquire();
  ASSERT_OK(held);
  std::mutex mu;
  std::vector<int> order;
  std::vector<std::thread> waiters;
  constexpr int kWaiters = 5;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&, i] {
      auto lease = (*pool)->acquire();
      EXPECT_OK(lease);
      std::lock_guard lock(mu);
      order.push_back(i);
    });
    while ((*pool)->waiting() < static_cast<size_t>(i + 1)) std::this_thread::yield();
  }
  held->reset();  // to waiter 0, then each to the next
  {
    // Arriving now, with the connection just given back: behind all five.
    auto late = (*pool)->acquire();
    EXPECT_OK(late);
    std::lock_guard lock(mu);
    order.push_back(kWaiters);
  }
  for (auto& t : waiters) t.join();
  std::vector<int> want(kWaiters + 1);
  std::iota(want.begin(), want.end(), 0);
  EXPECT_EQ(order, want);
  EXPECT_EQ((*pool)->waiting(), 0u);
  EXPECT_OK((*pool)->acquire());  // and the connection is idle again
}

TEST(PostgresStoreTest, APoolOpensEveryConnectionItAsksForOrNone) {
  const std::string db = fresh_database();
  ASSERT_FALSE(db.empty());
  {
    // More than one wave of connections opened at once (conn.cc: 16).
    auto pool = Pool::open(db, 40);
    ASSERT_OK(pool);
    std::vector<std::unique_ptr<Pool::Lease>> held;
    std::set<std::string> backends;
    for (int i = 0; i < 40; ++i) {
      auto lease = (*pool)->acquire();
      ASSERT_OK(lease);
      backends.insert(backend_of(**lease));
      held.push_back(std::move(*lease));
    }
    EXPECT_EQ(backends.size(), 40u);  // each a connection of its own
  }
  // A role the server lets open five: a pool of five opens; one of eight,
  // whose first connection succeeds, is an error, not a pool of five.
  const std::string role = "r_" + db.substr(db.rfind("dbname=") + 7);
  ASSERT_EQ(query(db, "CREATE ROLE " + role + " LOGIN CONNECTION LIMIT 5; SELECT 'made'"), "made");
  const std::string limited = db + " user=" + role;
  EXPECT_OK(Pool::open(limited, 5));
  auto over = Pool::open(limited, 8);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(over.error().message.find("too many connections"), std::string::npos)
      << over.error().message;
}

TEST(PostgresStoreTest, ADatabaseRestartIsUnavailableThenRecovers) {
  // A cluster of its own: stopping the shared one would fail other tests.
  auto cluster = testing::PgCluster::start();
  ASSERT_OK(cluster);
  auto db = (*cluster)->create_database();
  ASSERT_OK(db);
  // Four connections, used in turn: three calls meet the outage, the fourth
  // connection sits idle through it and is stale when the server is back.
  auto store = open_store(*db, 4);
  ASSERT_NE(store, nullptr);
  Claim stored = *store->insert_claim(make_claim(1));

  ASSERT_OK((*cluster)->stop());
  auto during = store->get_claim(kScope, stored.id);
  ASSERT_FALSE(during.ok());
  EXPECT_EQ(during.error().code, ErrorCode::kUnavailable) << testing::describe(during.error());
  auto write = store->insert_claim(make_claim(2));
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.error().code, ErrorCode::kUnavailable) << testing::describe(write.error());
  EXPECT_FALSE(store->ping().ok());

  ASSERT_OK((*cluster)->restart());
  // Every pooled connection was broken; each is re-established on use.
  for (int i = 0; i < 8; ++i) {
    auto after = store->get_claim(kScope, stored.id);
    ASSERT_OK(after);
    ASSERT_TRUE(after->has_value());
    EXPECT_EQ((*after)->version, stored.version);
  }
  EXPECT_OK(store->insert_claim(make_claim(3)));
  EXPECT_OK(store->ping());
}

TEST(PostgresStoreTest, ConcurrentCreatesOnManyConnectionsKeepTheQuota) {
  const std::string db = fresh_database();
  ASSERT_FALSE(db.empty());
  // Two nodes with four connections each: eight creates in flight at once.
  auto a = open_store(db, 4);
  auto b = open_store(db, 4);
  ASSERT_TRUE(a && b);
  core::CreateRules rules;
  rules.quota = 5;
  rules.now = T0;
  CreateTally tally;
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      PostgresStore& s = i % 2 ? *a : *b;
      tally.add(s.create_claim_once(make_claim(i), std::nullopt, rules));
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(tally.created, 5);
  EXPECT_EQ(tally.refused, 3);
  EXPECT_EQ(tally.other, 0);
  auto n = a->count_claims(kScope, {ClaimKind::kLatticeDomain});
  ASSERT_OK(n);
  EXPECT_EQ(*n, 5u);
}

// SES creates (no live-subject rule) under a quota are batched: each batch
// locks and counts its scope once. Two nodes' batches at once, with more
// creates than the quota leaves, still stop at the quota; a subject that
// exists answers with its identity, full quota or not.
TEST(PostgresStoreTest, BatchedCreatesOfTwoNodesKeepTheQuota) {
  const std::string db = fresh_database();
  ASSERT_FALSE(db.empty());
  auto a = open_store(db, 4);
  auto b = open_store(db, 4);
  ASSERT_TRUE(a && b);
  core::CreateRules rules;
  rules.quota = 25;
  rules.quota_kinds = {ClaimKind::kSesDomain, ClaimKind::kSesEmail};
  rules.one_live_per_subject = false;
  rules.existing_identity = true;
  rules.now = T0;
  // Three scopes in turn: each a race of the two nodes' batches.
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const core::Scope scope{"11112222333" + std::to_string(round), "us-east-1"};
    auto in_scope = [&](int n) {
      Claim c = make_claim(round * 10000 + n, ClaimKind::kSesDomain);
      c.scope = scope;
      return c;
    };
    Claim old = in_scope(0);
    ASSERT_OK(a->insert_claim(old));
    CreateTally tally;
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
      threads.emplace_back([&, t] {
        while (!go) std::this_thread::yield();
        PostgresStore& s = t % 2 ? *a : *b;
        for (int i = 0; i < 6; ++i) {
          // Each thread's first create is of the subject that exists.
          Claim c = in_scope(i == 0 ? 0 : 1000 + t * 10 + i);
          if (i == 0) c.id = "again-" + std::to_string(round) + "-" + std::to_string(t);
          tally.add(s.create_claim_once(c, std::nullopt, rules), old.id);
        }
      });
    }
    go = true;
    for (auto& t : threads) t.join();
    EXPECT_EQ(tally.created, 24);  // the quota of 25, less the one there before
    EXPECT_EQ(tally.refused, 16 * 5 - 24);
    EXPECT_EQ(tally.existing, 16);
    EXPECT_EQ(tally.other, 0);
    auto n = a->count_claims(scope, {ClaimKind::kSesDomain, ClaimKind::kSesEmail});
    ASSERT_OK(n);
    EXPECT_EQ(*n, 25u);
    EXPECT_EQ(
        query(db, "SELECT count(*) FROM claims WHERE account_id = '" + scope.account_id + "'"),
        "25");
  }
}

TEST(PostgresStoreTest, ConcurrentCreatesOfOneSubjectMakeOneClaim) {
  const std::string db = fresh_database();
  auto a = open_store(db, 4);
  auto b = open_store(db, 4);
  ASSERT_TRUE(a && b);
  core::CreateRules rules;
  rules.now = T0;
  std::atomic<int> created{0}, duplicate{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      Claim c = make_claim(100 + i);
      c.subject = "same.example";
      auto r = (i % 2 ? *a : *b).create_claim_once(c, std::nullopt, rules);
      if (r.ok() && r->outcome == core::CreateOutcome::kCreated) ++created;
      if (r.ok() && r->outcome == core::CreateOutcome::kLiveDuplicate) ++duplicate;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created, 1);
  EXPECT_EQ(duplicate, 7);
}

// One-subject identity reads waiting at once share one statement
// (find_identities_of): each caller still gets its own scope's identity.
TEST(PostgresStoreTest, ConcurrentIdentityReadsShareAStatementAndEachGetsItsOwn) {
  const std::string db = fresh_database();
  ASSERT_FALSE(db.empty());
  auto s = open_store(db, 4);
  ASSERT_NE(s, nullptr);
  const core::Scope other{"444455556666", "eu-west-1"};
  // d0..d7.example in kScope; the even ones in `other` too, with another
  // token; d3.example also as a Lattice claim (no SES identity) in `other`.
  for (int i = 0; i < 8; ++i) {
    ASSERT_OK(s->insert_claim(make_claim(i, ClaimKind::kSesDomain)));
    if (i % 2 == 0) {
      Claim c = make_claim(100 + i, ClaimKind::kSesDomain);
      c.scope = other;
      c.subject = "d" + std::to_string(i) + ".example";
      c.token = "other";
      ASSERT_OK(s->insert_claim(c));
    }
  }
  Claim lattice = make_claim(203, ClaimKind::kLatticeDomain);
  lattice.scope = other;
  lattice.subject = "d3.example";
  ASSERT_OK(s->insert_claim(lattice));

  // Hold claims so that the first read waits in the server while the others queue.
  PGconn* locker = PQconnectdb(db.c_str());
  ASSERT_EQ(PQstatus(locker), CONNECTION_OK);
  PQclear(PQexec(locker, "BEGIN; LOCK TABLE claims IN ACCESS EXCLUSIVE MODE"));
  constexpr int kReaders = 9;
  std::vector<core::Result<std::vector<Claim>>> got;
  for (int t = 0; t < kReaders; ++t) got.emplace_back(core::internal_error("not run"));
  // Reader t: subject d<t>.example (the last: one of no claim), in a scope by pairs.
  auto subjects_of = [](int t) {
    return std::vector<std::string>{t < 8 ? "d" + std::to_string(t) + ".example"
                                          : "absent.example"};
  };
  auto scope_of = [&](int t) { return (t / 2) % 2 ? other : kScope; };  // 2 and 6 find `other`'s
  std::vector<std::thread> readers;
  std::atomic<int> done{0};
  readers.emplace_back([&] {
    got[0] = s->find_identities(scope_of(0), subjects_of(0));
    ++done;
  });
  while (done == 0 && query(db, "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                "current_database() AND wait_event_type = 'Lock'") == "0") {
    std::this_thread::yield();
  }
  for (int t = 1; t < kReaders; ++t) {
    readers.emplace_back([&, t] {
      got[t] = s->find_identities(scope_of(t), subjects_of(t));
      ++done;
    });
  }
  // The eight others queue behind the read the lock holds (or, had the lock
  // failed, all finish and the check below says so).
  size_t queued = 0;
  while (done < kReaders && queued < kReaders - 1) queued = s->reads_queued();
  EXPECT_EQ(queued, static_cast<size_t>(kReaders - 1));
  PQclear(PQexec(locker, "COMMIT"));
  PQfinish(locker);
  for (auto& r : readers) r.join();

  for (int t = 0; t < kReaders; ++t) {
    ASSERT_OK(got[t]);
    std::set<std::string> want, seen;
    for (const auto& subject : subjects_of(t)) {
      if (subject == "absent.example") continue;
      const int n = subject[1] - '0';
      if (scope_of(t) == kScope || n % 2 == 0) want.insert(subject);
    }
    for (const Claim& c : *got[t]) {
      EXPECT_EQ(c.scope, scope_of(t)) << t;
      EXPECT_EQ(c.token, scope_of(t) == kScope ? "token" : "other") << t;
      EXPECT_NE(c.kind, ClaimKind::kLatticeDomain) << t;
      seen.insert(c.subject);
    }
    EXPECT_EQ(seen, want) << t;
    EXPECT_EQ(got[t]->size(), want.size()) << t;
  }
}

// with_identities_later (an I/O thread's read): one subject returns before
// its read is done, the claims come to `fn` on the queue's thread; many
// subjects are read at once, on the caller's thread.
TEST(PostgresStoreTest, AReadLaterReturnsBeforeItsStatementAndCallsBackWithItsClaims) {
  const std::string db = fresh_database();
  ASSERT_FALSE(db.empty());
  auto s = open_store(db, 4);
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->queues_identity_read(1));
  EXPECT_FALSE(s->queues_identity_read(3));
  for (int i = 0; i < 3; ++i) ASSERT_OK(s->insert_claim(make_claim(i, ClaimKind::kSesDomain)));

  struct Got {
    std::mutex mu;
    std::condition_variable cv;
    bool called = false;
    core::Status status;
    std::vector<std::string> subjects;
    std::thread::id on;
  };
  auto callback = [](Got& g) {
    return [&g](const core::Status& st, const std::vector<const Claim*>& claims) {
      std::lock_guard lock(g.mu);
      g.called = true;
      g.status = st;
      for (const Claim* c : claims) g.subjects.push_back(c->subject);
      std::sort(g.subjects.begin(), g.subjects.end());
      g.on = std::this_thread::get_id();
      g.cv.notify_all();
    };
  };
  auto wait = [](Got& g) {
    std::unique_lock lock(g.mu);
    g.cv.wait(lock, [&] { return g.called; });
  };

  PGconn* locker = PQconnectdb(db.c_str());
  ASSERT_EQ(PQstatus(locker), CONNECTION_OK);
  PQclear(PQexec(locker, "BEGIN; LOCK TABLE claims IN ACCESS EXCLUSIVE MODE"));
  Got one;
  s->with_identities_later(kScope, {"d1.example"}, callback(one));
  {  // returned while its statement waits for the lock
    std::lock_guard lock(one.mu);
    EXPECT_FALSE(one.called);
  }
  PQclear(PQexec(locker, "COMMIT"));
  PQfinish(locker);
  wait(one);
  EXPECT_OK(one.status);
  EXPECT_EQ(one.subjects, std::vector<std::string>{"d1.example"});
  EXPECT_NE(one.on, std::this_thread::get_id());

  Got many;  // read at once: called back before with_identities_later returns
  s->with_identities_later(kScope, {"d0.example", "d2.example", "absent.example"}, callback(many));
  {
    std::lock_guard lock(many.mu);
    EXPECT_TRUE(many.called);
  }
  EXPECT_OK(many.status);
  EXPECT_EQ(many.subjects, (std::vector<std::string>{"d0.example", "d2.example"}));
  EXPECT_EQ(many.on, std::this_thread::get_id());

  Got none;
  s->with_identities_later(kScope, {"absent.example"}, callback(none));
  wait(none);
  EXPECT_OK(none.status);
  EXPECT_TRUE(none.subjects.empty());
}

TEST(PostgresStoreTest, LeasesHandEachDueClaimToExactlyOneOfThreeNodes) {
  const std::string db = fresh_database();
  ASSERT_FALSE(db.empty());
  auto loader = open_store(db, 1);
  ASSERT_NE(loader, nullptr);
  // Three due times, so the leases cut across ties in next_check_at.
  for (int i = 0; i < 1000; ++i) {
    Claim c = make_claim(i);
    c.next_check_at = T0 + seconds(i % 3);
    ASSERT_OK(loader->insert_claim(c));
  }
  std::vector<std::unique_ptr<PostgresStore>> nodes;
  for (int i = 0; i < 3; ++i) nodes.push_back(open_store(db, 2));
  std::vector<std::vector<Claim>> got(3);
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      for (;;) {
        auto leased = nodes[i]->lease_due_claims(T0 + hours(1), T0 + hours(2), 37);
        if (!leased.ok()) {
          ++errors;
          return;
        }
        if (leased->empty()) return;
        for (auto& c : *leased) got[i].push_back(std::move(c));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors, 0);
  std::set<std::string> ids;
  size_t total = 0;
  for (const auto& g : got) {
    total += g.size();
    for (const auto& c : g) {
      ids.insert(c.id);
      EXPECT_EQ(c.version, 1) << c.id;  // a lease is not a write
      ASSERT_TRUE(c.next_check_at.has_value());
      EXPECT_LT(*c.next_check_at, T0 + seconds(3)) << "the due time before the lease";
    }
  }
  EXPECT_EQ(total, 1000u);
  EXPECT_EQ(ids.size(), 1000u);
  auto due = loader->due_claims(T0 + hours(1), 10);
  ASSERT_OK(due);
  EXPECT_TRUE(due->empty()) << "every claim is leased until T0 + 2h";
}

TEST(PostgresStoreTest, LeasesHandEachDueMessageToExactlyOneOfThreeNodes) {
  const std::string db = fresh_database();
  auto loader = open_store(db, 1);
  ASSERT_NE(loader, nullptr);
  for (int i = 0; i < 300; ++i) {
    core::Mail m;
    m.claim_id = make_claim(i).id;
    m.scope = kScope;
    m.to = "u" + std::to_string(i) + "@example.com";
    m.created_at = T0;
    m.next_attempt_at = T0 + seconds(i % 2);
    ASSERT_OK(loader->enqueue_mail(m));
  }
  std::vector<std::unique_ptr<PostgresStore>> nodes;
  for (int i = 0; i < 3; ++i) nodes.push_back(open_store(db, 1));
  std::vector<std::vector<int64_t>> got(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      for (;;) {
        auto leased = nodes[i]->lease_due_mail(T0 + hours(1), T0 + hours(2), 7);
        if (!leased.ok() || leased->empty()) return;
        for (const auto& m : *leased) got[i].push_back(m.id);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<int64_t> ids;
  size_t total = 0;
  for (const auto& g : got) {
    total += g.size();
    ids.insert(g.begin(), g.end());
  }
  EXPECT_EQ(total, 300u);
  EXPECT_EQ(ids.size(), 300u);
}

TEST(PostgresStoreTest, NodesStartingAtOnceAllGetTheFirstWritersSetting) {
  const std::string db = fresh_database();
  std::vector<std::unique_ptr<PostgresStore>> nodes;
  for (int i = 0; i < 4; ++i) nodes.push_back(open_store(db, 1));
  std::vector<std::string> got(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto r = nodes[i]->put_setting_if_absent("secret_key", "key-of-node-" + std::to_string(i));
      got[i] = r.ok() ? *r : "error: " + r.error().message;
    });
  }
  for (auto& t : threads) t.join();
  auto stored = nodes[0]->get_setting("secret_key");
  ASSERT_OK(stored);
  ASSERT_TRUE(stored->has_value());
  for (const auto& g : got) EXPECT_EQ(g, **stored);
}

}  // namespace
}  // namespace vouch::store::postgres
