// Helpers of the PostgreSQL store's own tests: a fresh database, a store on
// it, and a look behind the store.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "store/postgres/postgres_store.h"
#include "testing/pg_cluster.h"
#include "testing/printers.h"
#include "testing/temp_dir.h"

namespace vouch::store::postgres {

// The scope and the time of these tests.
inline const core::Scope kScope{"111122223333", "us-east-1"};
inline const core::TimePoint T0{std::chrono::nanoseconds(1'700'000'000'123'456'789)};

// Claim n (dv-<n in hex>, on d<n>.example), created at T0, never checked.
inline core::Claim make_claim(int n, core::ClaimKind kind = core::ClaimKind::kSesDomain) {
  core::Claim c;
  char id[32];
  std::snprintf(id, sizeof id, "dv-%017x", n);
  c.id = id;
  c.scope = kScope;
  c.kind = kind;
  c.subject = "d" + std::to_string(n) + ".example";
  c.record_name = (kind == core::ClaimKind::kSesDomain ? "_amazonses." : "_label.") + c.subject;
  c.token = "token";
  c.created_at = T0;
  c.deadline = T0 + std::chrono::hours(72);
  return c;
}

inline std::string fresh_database() {
  auto db = testing::fresh_pg_database();
  EXPECT_TRUE(db.ok()) << testing::describe(db.error());
  return db.ok() ? *db : std::string();
}

inline std::unique_ptr<PostgresStore> open_store(const std::string& conninfo, size_t pool = 2) {
  auto s = PostgresStore::open(conninfo, pool);
  EXPECT_TRUE(s.ok()) << testing::describe(s.error());
  return s.ok() ? std::move(*s) : nullptr;
}

// A fresh database holding `from`'s snapshot, restored as `vouch store copy`
// writes it; "" (and a test failure) if that fails.
inline std::string restored_copy(PostgresStore& from) {
  auto snap = from.snapshot();
  EXPECT_TRUE(snap.ok());
  const std::string db = fresh_database();
  auto to = snap.ok() ? open_store(db) : nullptr;
  if (!to) return "";
  auto restored = to->restore(*snap);
  EXPECT_TRUE(restored.ok()) << testing::describe(restored.error());
  return restored.ok() ? db : "";
}

// Outcomes of concurrent create_claim_once calls, counted; `existing`: a
// kExisting answer naming `existing_id`.
struct CreateTally {
  std::atomic<int> created{0}, refused{0}, existing{0}, other{0};
  void add(const core::Result<core::CreateResult>& r, const std::string& existing_id = "") {
    if (!r.ok()) ++other;
    else if (r->outcome == core::CreateOutcome::kCreated) ++created;
    else if (r->outcome == core::CreateOutcome::kQuotaExceeded) ++refused;
    else if (r->outcome == core::CreateOutcome::kExisting && r->claim.id == existing_id) ++existing;
    else ++other;
  }
};

// One statement through a plain connection, for looking behind the store:
// its first value, or the error message.
inline std::string query(const std::string& conninfo, const std::string& sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  PGresult* r = PQexec(c, sql.c_str());
  std::string out = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0
                        ? PQgetvalue(r, 0, 0)
                        : std::string(PQresultErrorMessage(r));
  PQclear(r);
  PQfinish(c);
  return out;
}

}  // namespace vouch::store::postgres
