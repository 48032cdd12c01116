#include "testing/pg_cluster.h"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

namespace vouch::testing {
namespace {

using core::Error;
using core::ErrorCode;

Error fail(const std::string& msg) { return Error{ErrorCode::kUnavailable, msg, {}, {}}; }

std::string find_bindir() {
  if (FILE* f = popen("pg_config --bindir 2>/dev/null", "r")) {
    char buf[512] = {};
    const bool got = fgets(buf, sizeof buf, f) != nullptr;
    pclose(f);
    std::string dir = got ? buf : "";
    while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' ')) dir.pop_back();
    if (!dir.empty() && std::filesystem::exists(dir + "/postgres")) return dir;
  }
  std::error_code ec;
  std::string best;
  for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string bin = e.path().string() + "/bin";
    if (std::filesystem::exists(bin + "/postgres") && bin > best) best = bin;
  }
  return best;
}

// Root runs the server as `postgres`: initdb and postgres refuse root.
struct RunAs {
  bool drop = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

RunAs run_as() {
  RunAs r;
  if (geteuid() != 0) return r;
  if (const passwd* pw = getpwnam("postgres")) {
    r.drop = true;
    r.uid = pw->pw_uid;
    r.gid = pw->pw_gid;
  }
  return r;
}

// Forks and execs `argv` with output to `log`, as the unprivileged user, in a
// session of its own (so a terminal's Ctrl-C or ctest's kill reaches it only
// through us). `tie` makes the child die with this thread.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log, bool tie) {
  const RunAs as = run_as();
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid != 0) return pid;
  setsid();
  const int in = open("/dev/null", O_RDONLY);
  const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (in >= 0) dup2(in, 0);
  if (out >= 0) {
    dup2(out, 1);
    dup2(out, 2);
  }
  if (as.drop && (setgroups(0, nullptr) != 0 || setgid(as.gid) != 0 || setuid(as.uid) != 0)) {
    _exit(126);
  }
  if (tie) prctl(PR_SET_PDEATHSIG, SIGINT);  // after setuid, which clears it
  execv(args[0], args.data());
  _exit(127);
}

int free_port() {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(s);
  return port;
}

std::string tail(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  return s.size() > 1500 ? s.substr(s.size() - 1500) : s;
}

// Running, and not a zombie its new parent has yet to reap.
bool alive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] != 'Z';
}

// Waits for `pid` to end: reaps it if it is our child, polls otherwise.
bool wait_gone(pid_t pid, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && !alive(pid))) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string random_name() {
  std::random_device rd;
  std::mt19937_64 g((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(getpid()));
  char buf[32];
  std::snprintf(buf, sizeof buf, "t_%016llx", static_cast<unsigned long long>(g()));
  return buf;
}

}  // namespace

core::Result<std::unique_ptr<PgCluster>> PgCluster::start(bool detached) {
  std::unique_ptr<PgCluster> c(new PgCluster());
  c->detached_ = detached;
  c->bindir_ = find_bindir();
  if (c->bindir_.empty()) return fail("no PostgreSQL server binaries (apt-get install postgresql)");
  char tmpl[] = "/tmp/vouch-pg-XXXXXX";
  if (!mkdtemp(tmpl)) return fail("mkdtemp failed");
  c->dir_ = tmpl;
  const RunAs as = run_as();
  if (as.drop && chown(c->dir_.c_str(), as.uid, as.gid) != 0) {
    return fail("cannot chown " + c->dir_ + " to postgres");
  }
  const std::string log = c->dir_ + "/log";
  const pid_t init = spawn({c->bindir_ + "/initdb", "-D", c->dir_ + "/data", "-U", "postgres",
                            "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"},
                           log, true);
  int status = 0;
  if (init < 0 || waitpid(init, &status, 0) != init || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    return fail("initdb failed: " + tail(log));
  }
  if (auto s = c->launch(); !s.ok()) return s.error();
  return c;
}

core::Status PgCluster::launch() {
  const std::string log = dir_ + "/log";
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (port_ == 0 || attempt > 0) port_ = free_port();
    pid_ = spawn({bindir_ + "/postgres", "-D", dir_ + "/data", "-k", dir_, "-p",
                  std::to_string(port_), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                  "-c", "full_page_writes=off", "-c", "max_connections=300"},
                 log, !detached_);
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    const std::string ping = conninfo() + " connect_timeout=2";
    while (std::chrono::steady_clock::now() < end) {
      if (PQping(ping.c_str()) == PQPING_OK) return {};
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) break;  // died: the port was taken?
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (alive(pid_)) {
      kill(pid_, SIGQUIT);
      wait_gone(pid_, std::chrono::seconds(10));
    }
    pid_ = 0;
  }
  return fail("postgres did not start: " + tail(log));
}

PgCluster::~PgCluster() {
  if (detached_) return;
  (void)stop();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

core::Status PgCluster::stop() {
  if (pid_ <= 0) return {};
  kill(pid_, SIGINT);  // fast shutdown: disconnects clients, no waiting for them
  if (!wait_gone(pid_, std::chrono::seconds(30))) {
    kill(pid_, SIGQUIT);
    wait_gone(pid_, std::chrono::seconds(10));
  }
  pid_ = 0;
  return {};
}

core::Status PgCluster::restart() {
  if (pid_ > 0) return {};
  return launch();
}

void PgCluster::stop_detached(pid_t pid, const std::string& dir) {
  if (pid > 0 && alive(pid)) {
    kill(pid, SIGINT);
    if (!wait_gone(pid, std::chrono::seconds(30))) {
      kill(pid, SIGQUIT);
      wait_gone(pid, std::chrono::seconds(10));
    }
  }
  std::error_code ec;
  if (dir.rfind("/tmp/vouch-pg-", 0) == 0) std::filesystem::remove_all(dir, ec);
}

std::string PgCluster::conninfo(const std::string& db) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=" + db;
}

namespace {

core::Status admin_exec(const std::string& conninfo, const std::string& sql);

core::Result<std::string> create_database_at(const std::string& admin) {
  const std::string name = random_name();
  // template0: nobody connects to it, so concurrent creates do not collide.
  if (auto s = admin_exec(admin, "CREATE DATABASE " + name + " TEMPLATE template0"); !s.ok()) {
    return s.error();
  }
  // The admin conninfo with its dbname replaced.
  const auto at = admin.rfind("dbname=");
  return (at == std::string::npos ? admin + " " : admin.substr(0, at)) + "dbname=" + name;
}

// Runs one statement on a fresh connection.
core::Status admin_exec(const std::string& conninfo, const std::string& sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    return fail("cannot connect to the test cluster: " + msg);
  }
  PGresult* r = PQexec(c, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string msg = ok ? "" : PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  if (!ok) return fail(sql + ": " + msg);
  return {};
}

}  // namespace

core::Status drop_pg_database(const std::string& conninfo) {
  const auto at = conninfo.rfind("dbname=");
  if (at == std::string::npos) return fail("no dbname in " + conninfo);
  const std::string name = conninfo.substr(at + 7);
  if (name.rfind("t_", 0) != 0) return fail("not a test database: " + name);
  return admin_exec(conninfo.substr(0, at) + "dbname=postgres",
                    "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

core::Result<std::string> PgCluster::create_database() const {
  return create_database_at(conninfo());
}

core::Result<std::string> fresh_pg_database() {
  static std::mutex mu;
  static std::string admin;
  static std::unique_ptr<PgCluster> own;  // stopped when the process exits
  std::lock_guard lock(mu);
  if (admin.empty()) {
    if (const char* file = std::getenv("VOUCH_PG_CONNINFO_FILE")) {
      std::ifstream f(file);
      std::getline(f, admin);
    }
  }
  if (admin.empty()) {
    auto c = PgCluster::start();
    if (!c.ok()) return c.error();
    own = std::move(*c);
    admin = own->conninfo();
  }
  return create_database_at(admin);
}

}  // namespace vouch::testing
