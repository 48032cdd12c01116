#include <sys/resource.h>

#include <algorithm>
#include <fstream>

#include "server/http_server.h"

namespace vouch::server {

size_t raise_fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  rlim_t want = rl.rlim_max;
  if (want == RLIM_INFINITY) {
    // The kernel refuses more than fs.nr_open per process.
    want = 1 << 20;
    if (std::ifstream in("/proc/sys/fs/nr_open"); in) in >> want;
  }
  if (want > rl.rlim_cur) {
    rlimit raised{want, rl.rlim_max};
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl.rlim_cur = want;
  }
  return static_cast<size_t>(rl.rlim_cur);
}

size_t connection_budget(size_t fd_limit, size_t reserved_fds, size_t reserve_connections) {
  const size_t kept = reserved_fds + reserve_connections;
  return fd_limit > kept ? fd_limit - kept : 0;
}

}  // namespace vouch::server
