// Thin RAII over sqlite3: a connection with a prepared-statement cache, and a
// statement cursor. Not thread-safe: one thread uses a Conn at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/error.h"

namespace vouch::store::sqlite {

class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  // A statement whose prepare failed is null: binds do nothing and step()
  // reports SQLITE_ERROR, so the caller's error path runs.
  ~Stmt() {
    if (!s_) return;
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, std::string_view v) {
    if (s_) sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // The same without SQLite's copy: `v` must outlive this Stmt (which clears
  // its bindings when it goes). For the sweep's per-row text (evidence, ids).
  Stmt& bind_static(int i, std::string_view v) {
    if (s_) sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Stmt& bind(int i, int64_t v) {
    if (s_) sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, std::optional<int64_t> v) {
    if (!s_) return *this;
    if (v) sqlite3_bind_int64(s_, i, *v);
    else sqlite3_bind_null(s_, i);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return s_ ? sqlite3_step(s_) : SQLITE_ERROR; }
  int64_t int_at(int col) const { return sqlite3_column_int64(s_, col); }
  bool null_at(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string text_at(int col) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, col))) : std::string();
  }

 private:
  sqlite3_stmt* s_;
};

class Conn {
 public:
  // Opens (creating if needed) with WAL and full sync. Throws nothing; check ok().
  Conn(const std::string& path, bool read_only);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool ok() const { return db_ != nullptr; }
  const std::string& open_error() const { return open_error_; }
  sqlite3* raw() { return db_; }

  // A cached prepared statement for `sql`; reset when the Stmt goes away.
  Stmt prepare(const std::string& sql);
  // The same for a string literal, found by its address: hot paths prepare
  // per row, and hashing the text (and building a std::string of it) each
  // time cost more than the statement's own step.
  template <size_t N>
  Stmt prepare(const char (&sql)[N]) {
    auto it = by_literal_.find(sql);
    if (it != by_literal_.end()) return Stmt(it->second);
    return prepare_literal(sql);
  }
  // Runs one or more statements with no results.
  core::Status exec(const char* sql);
  core::Error error(std::string_view what) const;

 private:
  sqlite3* db_ = nullptr;
  std::string open_error_;
  Stmt prepare_literal(const char* sql);
  sqlite3_stmt* cached(const std::string& sql);  // null when the prepare fails
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  std::unordered_map<const char*, sqlite3_stmt*> by_literal_;  // the same statements
};

}  // namespace vouch::store::sqlite
