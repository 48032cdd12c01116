#include "store/postgres/conn.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <future>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

namespace vouch::store::postgres {

using core::Error;
using core::ErrorCode;

int64_t Res::affected() const {
  const char* n = r_ ? PQcmdTuples(r_) : "";
  int64_t v = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), v);
  return v;
}

int64_t Res::int_at(int row, int col) const {
  const char* s = PQgetvalue(r_, row, col);
  int64_t v = 0;
  std::from_chars(s, s + PQgetlength(r_, row, col), v);
  return v;
}

namespace {

// Errors a retry can fix: the server went away or is starting or stopping,
// or a transaction lost a serialization race.
bool transient_sqlstate(const std::string& s) {
  return s.rfind("08", 0) == 0 || s == "57P01" || s == "57P02" || s == "57P03" || s == "40001" ||
         s == "40P01" || s == "53300";
}

// libpq's message on one line: its hint lines joined with "; ".
std::string trimmed(const char* msg) {
  std::string s;
  bool newline = false;
  for (const char* c = msg ? msg : ""; *c; ++c) {
    if (*c == '\n') {
      newline = true;
    } else if (newline && (*c == ' ' || *c == '\t')) {
      continue;
    } else {
      if (newline && !s.empty()) s += "; ";
      newline = false;
      s += *c;
    }
  }
  return s;
}

// A session's settings, at each connect: this vouch writes events,
// claim_due rows and scope counts itself, so the triggers kept for other
// writers must not (schema.cc, 12, 14 and 15). A connection that cannot take
// them is not used.
bool set_session(PGconn* c) {
  PGresult* r = PQexec(
      c, "SET vouch.events = 'store'; SET vouch.due = 'store'; SET vouch.counts = 'store'");
  const bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  return ok;
}

}  // namespace

Conn::Conn(PGconn* c) : c_(c) {
  // Notices ("relation already exists, skipping") are the server's business:
  // the errors callers need come back as core::Error. A FATAL one (a
  // shutdown) marks the connection for a reset.
  if (c_) PQsetNoticeReceiver(c_, &Conn::on_notice, this);
}

void Conn::on_notice(void* self, const PGresult* r) {
  const char* severity = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
  if (severity &&
      (std::string_view(severity) == "FATAL" || std::string_view(severity) == "PANIC")) {
    static_cast<Conn*>(self)->fatal_ = true;
  }
}

std::string Conn::error_message() const { return trimmed(PQerrorMessage(c_)); }

bool Conn::retryable_failure() const { return sqlstate_ == "40001" || sqlstate_ == "40P01"; }

Error Conn::failure(PGresult* r, const char* what) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  sqlstate_ = state ? state : "";
  std::string msg = r ? trimmed(PQresultErrorMessage(r)) : "";
  if (msg.empty()) msg = error_message();
  PQclear(r);
  const bool lost = PQstatus(c_) != CONNECTION_OK;
  const ErrorCode code = lost || transient_sqlstate(sqlstate_) ? ErrorCode::kUnavailable
                                                               : ErrorCode::kInternal;
  return Error{code, std::string("postgres: ") + what + ": " + msg, {}, {}};
}

core::Result<Res> Conn::run(const Query& q, const Params& params) {
  if (!prepared_.contains(q.name)) {
    PGresult* r = PQprepare(c_, q.name, q.sql, 0, nullptr);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) return failure(r, q.name);
    PQclear(r);
    prepared_.insert(q.name);
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& v : params) values.push_back(v ? v->c_str() : nullptr);
  PGresult* r = PQexecPrepared(c_, q.name, static_cast<int>(values.size()), values.data(), nullptr,
                               nullptr, 0);
  const auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return failure(r, q.name);
  sqlstate_.clear();
  return Res(r);
}

core::Result<Res> Conn::exec(const std::string& sql) {
  PGresult* r = PQexec(c_, sql.c_str());
  const auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    return failure(r, trimmed(sql.substr(0, 60).c_str()).c_str());
  }
  sqlstate_.clear();
  return Res(r);
}

bool Conn::healthy() {
  if (PQstatus(c_) != CONNECTION_OK) return false;
  // A server that shut down said so (FATAL) and closed the socket while we
  // were idle: reading and parsing now notices, instead of failing the
  // caller's first statement.
  if (!PQconsumeInput(c_) || PQstatus(c_) != CONNECTION_OK) return false;
  (void)PQisBusy(c_);  // parses what arrived; a FATAL reaches on_notice
  if (fatal_ || PQstatus(c_) != CONNECTION_OK) return false;
  switch (PQtransactionStatus(c_)) {
    case PQTRANS_IDLE: return true;
    case PQTRANS_INTRANS:
    case PQTRANS_INERROR: return exec("ROLLBACK").ok();  // a call that gave up midway
    default: return false;
  }
}

bool Conn::reset() {
  prepared_.clear();
  fatal_ = false;
  PQreset(c_);
  return PQstatus(c_) == CONNECTION_OK && set_session(c_);
}

PGconn* connect(const std::string& conninfo, const char* application_name) {
  // Earlier keywords are defaults: the conninfo (expanded from dbname) may
  // override the timeout.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"5", application_name, conninfo.c_str(), nullptr};
  PGconn* c = PQconnectdbParams(keys, values, 1);
  if (c && PQstatus(c) == CONNECTION_OK && !set_session(c)) {
    PQfinish(c);
    return nullptr;
  }
  return c;
}

std::string describe_connect_failure(PGconn* c, const std::string& conninfo) {
  std::string where;
  if (c) {
    const char* host = PQhost(c);
    const char* port = PQport(c);
    if (host && *host) where = std::string(host) + (port && *port ? ":" + std::string(port) : "");
  }
  if (where.empty()) where = conninfo.empty() ? "(PG* environment)" : conninfo;
  return "cannot connect to postgres at " + where + ": " +
         (c ? trimmed(PQerrorMessage(c)) : "out of memory, or its session settings failed");
}

core::Result<std::unique_ptr<Pool>> Pool::open(const std::string& conninfo, size_t size) {
  auto pool = std::make_unique<Pool>();
  std::optional<Error> error;  // the first connection that failed
  auto take = [&](PGconn* c) {
    if (c && PQstatus(c) == CONNECTION_OK) {
      pool->idle_.push_back(std::make_unique<Conn>(c));
      return;
    }
    if (!error)
      error = Error{ErrorCode::kUnavailable, describe_connect_failure(c, conninfo), {}, {}};
    PQfinish(c);
  };
  // The first alone: a wrong conninfo or a down server fails once, not once
  // per connection. The rest in waves: one by one, each waiting for its
  // backend to start, they were most of a node's start (8 x ~17 ms).
  take(connect(conninfo));
  constexpr size_t kAtOnce = 16;  // threads, and backends starting, at a time
  for (size_t from = 1; from < size && !error; from += kAtOnce) {
    std::vector<std::future<PGconn*>> wave;
    for (size_t i = from; i < std::min(size, from + kAtOnce); ++i) {
      auto one = [&conninfo] { return connect(conninfo); };
      try {
        wave.push_back(std::async(std::launch::async, one));
      } catch (const std::system_error&) {  // no thread to be had: here, at get()
        wave.push_back(std::async(std::launch::deferred, one));
      }
    }
    for (auto& f : wave) take(f.get());
  }
  if (error) return *error;
  return pool;
}

core::Result<std::unique_ptr<Pool::Lease>> Pool::acquire() {
  std::unique_ptr<Conn> c;
  {
    std::unique_lock lock(mu_);
    if (!idle_.empty() && waiters_.empty()) {
      // The connection returned last: its backend has the pages a statement
      // touches mapped and cached. Taking them in turn made every backend of
      // the pool fault in the shared buffers it had not touched yet (7% of the
      // server's CPU in a sweep, perf).
      c = std::move(idle_.back());
      idle_.pop_back();
    } else {
      Waiter me;
      waiters_.push_back(&me);
      if (!me.cv.wait_for(lock, std::chrono::seconds(30), [&] { return me.conn != nullptr; })) {
        waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &me));
        return Error{ErrorCode::kUnavailable, "postgres: every pooled connection is busy", {}, {}};
      }
      c = std::move(me.conn);  // give_back took it off waiters_
    }
  }
  auto lease = std::make_unique<Lease>(*this, std::move(c));
  if (!(*lease)->healthy() && !(*lease)->reset()) {
    return Error{ErrorCode::kUnavailable,
                 "postgres: reconnect failed: " + (*lease)->error_message(),
                 {},
                 {}};
  }
  return lease;
}

void Pool::give_back(std::unique_ptr<Conn> c) {
  std::lock_guard lock(mu_);
  if (waiters_.empty()) {
    idle_.push_back(std::move(c));
    return;
  }
  Waiter* next = waiters_.front();
  waiters_.pop_front();
  next->conn = std::move(c);
  next->cv.notify_one();  // under the lock: `next` lives until it has its connection
}

std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char ch : items[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

std::string array_literal(const Params& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    if (!items[i]) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char ch : *items[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

std::string int_array(const std::vector<std::optional<int64_t>>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += items[i] ? std::to_string(*items[i]) : "NULL";
  }
  return out + "}";
}

}  // namespace vouch::store::postgres
