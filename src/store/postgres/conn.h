// Thin RAII over libpq: a result, a connection that prepares each named
// statement once, and a fixed-size pool that hands one connection per call
// and reconnects a connection the server dropped (a restart, a failover).
#pragma once

#include <libpq-fe.h>

#include <condition_variable>
#include <deque>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/error.h"

namespace vouch::store::postgres {

// A statement with a stable name: prepared on first use on each connection.
struct Query {
  const char* name;
  const char* sql;
};

// Text parameters; nullopt is SQL NULL.
using Param = std::optional<std::string>;
using Params = std::vector<Param>;
inline Param p(int64_t v) { return std::to_string(v); }
inline Param p(std::string v) { return Param(std::move(v)); }
inline Param p(const char* v) { return Param(std::string(v)); }
inline Param p(const std::optional<int64_t>& v) {
  return v ? Param(std::to_string(*v)) : std::nullopt;
}

class Res {
 public:
  Res() = default;
  explicit Res(PGresult* r) : r_(r) {}
  ~Res() { PQclear(r_); }
  Res(Res&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  Res& operator=(Res&& o) noexcept {
    std::swap(r_, o.r_);
    return *this;
  }
  Res(const Res&) = delete;
  Res& operator=(const Res&) = delete;

  int rows() const { return r_ ? PQntuples(r_) : 0; }
  int columns() const { return r_ ? PQnfields(r_) : 0; }
  // Rows changed by an INSERT, UPDATE or DELETE.
  int64_t affected() const;
  bool null_at(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
  std::string text_at(int row, int col) const {
    return std::string(PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col)));
  }
  int64_t int_at(int row, int col) const;
  std::optional<int64_t> opt_int_at(int row, int col) const {
    if (null_at(row, col)) return std::nullopt;
    return int_at(row, col);
  }

 private:
  PGresult* r_ = nullptr;
};

// One server connection. Not thread-safe: the pool lends it to one call.
class Conn {
 public:
  explicit Conn(PGconn* c);
  ~Conn() { PQfinish(c_); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Runs a named statement (preparing it on this connection first if need be).
  core::Result<Res> run(const Query& q, const Params& params = {});
  // Runs plain SQL with no parameters (BEGIN, COMMIT, DDL).
  core::Result<Res> exec(const std::string& sql);

  // The SQLSTATE of the last failure ("" if none or the connection broke).
  const std::string& last_sqlstate() const { return sqlstate_; }
  bool retryable_failure() const;  // serialization failure or deadlock
  // Whether the connection is usable; checks for a close the server sent
  // while the connection sat idle.
  bool healthy();
  // Reconnects with the original parameters; forgets prepared statements.
  bool reset();
  std::string error_message() const;

 private:
  core::Error failure(PGresult* r, const char* what);
  static void on_notice(void* self, const PGresult* r);

  PGconn* c_;
  std::unordered_set<std::string> prepared_;
  std::string sqlstate_;
  // The server sent FATAL while we were idle (it is shutting down): the
  // connection is gone even before libpq reads the end of the stream.
  bool fatal_ = false;
};

class Pool {
 public:
  // Connects `size` connections up front, so that a wrong conninfo or a down
  // server is an error at open rather than at the first request.
  static core::Result<std::unique_ptr<Pool>> open(const std::string& conninfo, size_t size);

  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Conn> c) : pool_(pool), c_(std::move(c)) {}
    ~Lease() { pool_.give_back(std::move(c_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Conn& operator*() { return *c_; }
    Conn* operator->() { return c_.get(); }

   private:
    Pool& pool_;
    std::unique_ptr<Conn> c_;
  };

  // A healthy connection, or kUnavailable (the server is down, or every
  // connection stayed busy for too long).
  core::Result<std::unique_ptr<Lease>> acquire();
  // Callers waiting in acquire(): for tests.
  size_t waiting() {
    std::lock_guard lock(mu_);
    return waiters_.size();
  }

 private:
  void give_back(std::unique_ptr<Conn> c);

  // A caller waiting for a connection: handed one by give_back.
  struct Waiter {
    std::condition_variable cv;
    std::unique_ptr<Conn> conn;
  };

  std::mutex mu_;
  // The last returned is taken first (LIFO, as PgBouncer does): the busy few
  // backends keep their pages mapped and cached. One the server dropped
  // while idle at the bottom is noticed when taken, and reconnected then.
  std::deque<std::unique_ptr<Conn>> idle_;  // GUARDED_BY(mu_)
  // Callers wait first come, first served: a connection given back goes to
  // the longest waiting, not to whichever thread wakes or arrives first (32
  // threads on 8 connections: a p99 3 times the p50 otherwise).
  std::deque<Waiter*> waiters_;  // GUARDED_BY(mu_)
};

// libpq's connect, with a connect timeout unless the conninfo sets one, and
// `application_name` unless it sets one (pg_stat_activity tells them apart).
PGconn* connect(const std::string& conninfo, const char* application_name = "vouch");
// "host:port: reason" for a failed connect.
std::string describe_connect_failure(PGconn* c, const std::string& conninfo);

// A text array literal ({"a","b"}) for = ANY($n::text[]).
std::string text_array(const std::vector<std::string>& items);
// An array literal of any element type from text values, NULL where absent
// ({"a",NULL,"3"}), for unnest($n::type[]).
std::string array_literal(const Params& items);
// "{1,NULL,3}": an array literal of integers, NULL where absent.
std::string int_array(const std::vector<std::optional<int64_t>>& items);

}  // namespace vouch::store::postgres
