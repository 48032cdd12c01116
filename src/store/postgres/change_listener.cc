#include "store/postgres/change_listener.h"

#include <poll.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "store/postgres/conn.h"

namespace vouch::store::postgres {

namespace {

// How long the connection may stay silent before a ping checks it is alive
// (a server gone without closing the socket sends nothing).
constexpr int kPingAfterMs = 5000;

// How often the listener looks again for transactions older than it.
constexpr int kSettleMs = 10;

bool command_ok(PGconn* c, const char* sql) {
  PGresult* r = PQexec(c, sql);
  const bool ok = r &&
                  (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);
  PQclear(r);
  return ok;
}

// The first value of a one-row answer, or nullopt if it failed.
std::optional<std::string> value(PGconn* c, const char* sql) {
  PGresult* r = PQexec(c, sql);
  std::optional<std::string> out;
  if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) out = PQgetvalue(r, 0, 0);
  PQclear(r);
  return out;
}

// The name comes last, so a conninfo's own application_name cannot hide the
// listener from vouch_followed().
PGconn* connect_listener(const std::string& conninfo) {
  const char* keys[] = {"connect_timeout", "dbname", "application_name", nullptr};
  const char* values[] = {"5", conninfo.c_str(), VOUCH_LISTENER_NAME, nullptr};
  return PQconnectdbParams(keys, values, 1);
}

}  // namespace

std::unique_ptr<ChangeListener> ChangeListener::start(std::string conninfo, Handler handler,
                                                      int retry_ms) {
  std::unique_ptr<ChangeListener> l(
      new ChangeListener(std::move(conninfo), std::move(handler), retry_ms));
  l->thread_ = std::thread([p = l.get()] { p->run(); });
  return l;
}

ChangeListener::ChangeListener(std::string conninfo, Handler handler, int retry_ms)
    : conninfo_(std::move(conninfo)), handler_(std::move(handler)), retry_ms_(retry_ms) {
  if (pipe(stop_fd_) != 0) stop_fd_[0] = stop_fd_[1] = -1;
}

ChangeListener::~ChangeListener() {
  stopping_ = true;
  if (stop_fd_[1] >= 0) (void)!write(stop_fd_[1], "x", 1);
  if (thread_.joinable()) thread_.join();
  for (int fd : stop_fd_) {
    if (fd >= 0) close(fd);
  }
}

bool ChangeListener::wait_for_stop(int ms) {
  if (stopping_) return true;
  pollfd p{stop_fd_[0], POLLIN, 0};
  (void)poll(&p, 1, ms);
  return stopping_;
}

void ChangeListener::run() {
  while (!stopping_) {
    PGconn* c = connect_listener(conninfo_);
    if (c && PQstatus(c) == CONNECTION_OK && listen(c)) {
      // LISTEN is committed: every claim write committed from now on is
      // notified here. Earlier ones are in the rows any read sees.
      ++connects_;
      handler_.following(true);
      follow(c);
      if (!stopping_) handler_.following(false);
    }
    PQfinish(c);
    if (wait_for_stop(retry_ms_)) return;
  }
}

bool ChangeListener::listen(PGconn* c) {
  if (!command_ok(c, "LISTEN " VOUCH_CLAIMS_CHANNEL)) return false;
  // This connection shows in pg_stat_activity by now. A writer that looked
  // earlier found no listener and notifies nothing: wait until every
  // transaction open now in this database has ended (each holds the lock on
  // its virtual transaction id, which pg_locks shows to any role), so that a
  // read from then on sees its rows.
  auto open = value(c, "SELECT coalesce(array_agg(l.virtualxid), '{}')::text FROM pg_locks l "
                       "JOIN pg_stat_get_activity(NULL) a USING (pid) WHERE l.locktype = "
                       "'virtualxid' AND l.pid != pg_backend_pid() AND a.backend_type = 'client "
                       "backend' AND a.datid = (SELECT oid FROM pg_database WHERE datname = "
                       "current_database())");
  if (!open) return false;
  const std::string older =
      "SELECT count(*) FROM pg_locks WHERE locktype = 'virtualxid' AND virtualxid = ANY('" + *open +
      "'::text[])";
  for (;;) {
    auto left = value(c, older.c_str());
    if (!left) return false;
    if (*left == "0") return true;
    if (wait_for_stop(kSettleMs)) return false;
  }
}

void ChangeListener::follow(PGconn* c) {
  {
    std::lock_guard lock(mu_);
    conn_ = c;
  }
  while (!stopping_) {
    pollfd p[2] = {{PQsocket(c), POLLIN, 0}, {stop_fd_[0], POLLIN, 0}};
    const int n = poll(p, 2, kPingAfterMs);
    if (n < 0) continue;  // EINTR
    if (p[1].revents) break;
    std::lock_guard lock(mu_);
    // Its notifications were queued by libpq, and consume() hands them out.
    if (n == 0 && !command_ok(c, "SELECT 1")) break;
    if (!consume(c)) break;
  }
  std::lock_guard lock(mu_);
  conn_ = nullptr;
}

bool ChangeListener::consume(PGconn* c) {
  if (!PQconsumeInput(c)) return false;
  while (PGnotify* note = PQnotifies(c)) {
    handler_.changed(note->extra ? note->extra : kEveryClaim);
    PQfreemem(note);
  }
  return PQstatus(c) == CONNECTION_OK;
}

void ChangeListener::drain() {
  // Busy: another thread is taking them in (or the listener pings a server
  // that may hang), so a read never waits here.
  std::unique_lock lock(mu_, std::try_to_lock);
  // A broken connection is the listener thread's to notice (on its next poll).
  if (lock.owns_lock() && conn_) (void)consume(conn_);
}

}  // namespace vouch::store::postgres
