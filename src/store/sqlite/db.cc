#include "store/sqlite/db.h"

namespace vouch::store::sqlite {

Conn::Conn(const std::string& path, bool read_only) {
  // Memory statistics take a global mutex on every allocation SQLite makes;
  // vouch never reads them. Must precede SQLite's initialisation (a later
  // call is refused, harmlessly).
  static const int kNoMemStats = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)kNoMemStats;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    open_error_ = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    return;
  }
  sqlite3_busy_timeout(db_, 10000);
  // WAL lets readers run beside the one writer; synchronous=FULL makes each
  // commit durable before it returns (the response is sent after that).
  // temp_store=MEMORY keeps savepoint journals in memory: the group commit
  // wraps each write in a savepoint, and past 64 KiB SQLite wrote a copy of
  // every page the write touched to a temporary file, one pwrite a page.
  const char* pragmas =
      read_only ? "PRAGMA query_only=1; PRAGMA cache_size=-8000;"
                : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-8000; "
                  "PRAGMA temp_store=MEMORY;";
  if (!exec(pragmas).ok()) {
    open_error_ = sqlite3_errmsg(db_);
    sqlite3_close(db_);
    db_ = nullptr;
  }
}

Conn::~Conn() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  if (db_) sqlite3_close(db_);
}

Stmt Conn::prepare_literal(const char* sql) {
  sqlite3_stmt* s = cached(sql);
  if (s) by_literal_.emplace(sql, s);
  return Stmt(s);
}

Stmt Conn::prepare(const std::string& sql) { return Stmt(cached(sql)); }

sqlite3_stmt* Conn::cached(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* s = nullptr;
    // A failed prepare is not cached: it yields a null Stmt whose step() fails.
    if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
      sqlite3_finalize(s);
      return nullptr;
    }
    it = cache_.emplace(sql, s).first;
  }
  return it->second;
}

core::Status Conn::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "sqlite error";
    sqlite3_free(err);
    return core::internal_error("sqlite: " + msg);
  }
  return {};
}

core::Error Conn::error(std::string_view what) const {
  int code = sqlite3_errcode(db_);
  auto kind = (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? core::ErrorCode::kUnavailable
                                                             : core::ErrorCode::kInternal;
  return core::Error{kind, std::string(what) + ": " + sqlite3_errmsg(db_), {}, {}};
}

}  // namespace vouch::store::sqlite
