#include "server/cpus.h"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace vouch::server {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_small(const fs::path& p, size_t limit = 256) {
  std::ifstream in(p);
  if (!in) return std::nullopt;
  std::string text(limit, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

std::optional<long long> parse_int(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  long long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> ratio(std::optional<long long> quota, std::optional<long long> period) {
  if (!quota || !period || *quota <= 0 || *period <= 0) return std::nullopt;
  return static_cast<double>(*quota) / static_cast<double>(*period);
}

std::optional<double> v1_quota(const fs::path& dir) {
  auto quota = read_small(dir / "cpu.cfs_quota_us");
  auto period = read_small(dir / "cpu.cfs_period_us");
  if (!quota || !period) return std::nullopt;
  return ratio(parse_int(*quota), parse_int(*period));
}

std::optional<double> v2_quota(const fs::path& dir) {
  auto text = read_small(dir / "cpu.max");
  return text ? parse_cpu_max(*text) : std::nullopt;
}

void keep_tightest(std::optional<double>& best, std::optional<double> q) {
  if (q && (!best || *q < *best)) best = q;
}

// The tightest quota of `path` and its ancestors under `mount`. A cgroup path
// as the host names it may not exist in a container's view of the mount,
// whose top is then the container's own cgroup: the walk up reaches it.
template <typename Read>
std::optional<double> tightest(const fs::path& mount, std::string_view path, Read read) {
  std::optional<double> best;
  fs::path rel = fs::path(path).relative_path();
  for (int depth = 0; depth < 64; ++depth) {
    keep_tightest(best, read(mount / rel));
    if (rel.empty()) break;
    rel = rel.parent_path();
  }
  return best;
}

bool lists_cpu(std::string_view controllers) {
  while (!controllers.empty()) {
    const size_t comma = controllers.find(',');
    if (controllers.substr(0, comma) == "cpu") return true;
    if (comma == std::string_view::npos) break;
    controllers.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::optional<double> parse_cpu_max(std::string_view text) {
  const size_t space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  if (text.substr(0, space) == "max") return std::nullopt;
  return ratio(parse_int(text.substr(0, space)), parse_int(text.substr(space + 1)));
}

std::optional<double> cgroup_cpu_quota(const fs::path& root, std::string_view self_cgroup) {
  std::optional<double> best;
  std::istringstream lines{std::string(self_cgroup)};
  std::string line;
  for (int n = 0; n < 64 && std::getline(lines, line); ++n) {
    // hierarchy-id:controllers:path
    const size_t a = line.find(':');
    const size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string_view controllers = std::string_view(line).substr(a + 1, b - a - 1);
    const std::string_view path = std::string_view(line).substr(b + 1);
    if (line.compare(0, a, "0") == 0 && controllers.empty()) {
      keep_tightest(best, tightest(root, path, v2_quota));
    } else if (lists_cpu(controllers)) {
      keep_tightest(best, tightest(root / std::string(controllers), path, v1_quota));
      if (controllers != "cpu") keep_tightest(best, tightest(root / "cpu", path, v1_quota));
    }
  }
  return best;
}

int affinity_cpus() {
  const int fallback = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int n = CPU_SETSIZE; n <= (1 << 16); n *= 2) {
    cpu_set_t* set = CPU_ALLOC(n);
    if (set == nullptr) return fallback;
    const size_t size = CPU_ALLOC_SIZE(n);
    const int got = ::sched_getaffinity(0, size, set) == 0 ? CPU_COUNT_S(size, set) : -1;
    const int error = errno;
    CPU_FREE(set);
    if (got > 0) return got;
    if (got == 0 || error != EINVAL) return fallback;  // EINVAL: the mask is larger than the set
  }
  return fallback;
}

int usable_cpus() {
  int cpus = affinity_cpus();
  if (auto self = read_small("/proc/self/cgroup", 16384)) {
    if (auto quota = cgroup_cpu_quota("/sys/fs/cgroup", *self)) {
      cpus = std::min(cpus, std::max(1, static_cast<int>(std::ceil(*quota))));
    }
  }
  return cpus;
}

}  // namespace vouch::server
