// A throwaway PostgreSQL server for tests: initdb into a fresh directory under
// /tmp, a postmaster on 127.0.0.1 and a free port (as the unprivileged
// `postgres` user when running as root: initdb refuses root), stopped and
// removed at the end. Needs the Debian postgresql package.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "core/error.h"

namespace vouch::testing {

class PgCluster {
 public:
  // initdb, then start the postmaster and wait until it accepts connections.
  // `detached`: the server outlives this object and process (the ctest
  // fixture's setup hands it to the cleanup step, stop_detached); otherwise
  // it dies with the thread that started it, even on a crash.
  static core::Result<std::unique_ptr<PgCluster>> start(bool detached = false);
  // Stops the postmaster (if running) and removes the directory.
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // Stops the postmaster (fast shutdown), keeping the data: a database outage.
  core::Status stop();
  // Starts it again on the same port, and waits until it accepts connections.
  core::Status restart();

  // A libpq conninfo for database `db` as the superuser.
  std::string conninfo(const std::string& db = "postgres") const;
  // A new empty database (t_<random>), returned as a conninfo.
  core::Result<std::string> create_database() const;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  // Stops a detached server by its pid and removes its directory.
  static void stop_detached(pid_t pid, const std::string& dir);

 private:
  PgCluster() = default;
  core::Status launch();

  std::string bindir_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = 0;
  bool detached_ = false;
};

// A fresh, empty database for one test: on the cluster the ctest fixture
// started (its conninfo is in the file $VOUCH_PG_CONNINFO_FILE names), or, run
// by hand, on one cluster this process starts on first use.
core::Result<std::string> fresh_pg_database();
// Drops a database fresh_pg_database or create_database made (its
// connections are ended first), so a long run does not fill /tmp.
core::Status drop_pg_database(const std::string& conninfo);

}  // namespace vouch::testing
