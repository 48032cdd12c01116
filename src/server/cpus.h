// How many CPUs this process may run on, for sizing its thread pools: the
// affinity mask (taskset, cpuset), capped by a cgroup CPU quota rounded up
// (a container given 1.5 CPUs of a 64-core machine gets 2 threads per pool,
// not 64). std::thread::hardware_concurrency() counts the machine's CPUs.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

namespace vouch::server {

int usable_cpus();

// The CPUs in the affinity mask; hardware_concurrency() if it is unreadable.
int affinity_cpus();

// The tightest CPU quota, in CPUs, of the cgroup `self_cgroup` (the text of
// /proc/self/cgroup) and its ancestors, under the cgroup mount `root`
// (/sys/fs/cgroup): v2's cpu.max, v1's cpu controller's cfs quota and
// period. nullopt when none is set.
std::optional<double> cgroup_cpu_quota(const std::filesystem::path& root,
                                       std::string_view self_cgroup);

// v2's cpu.max ("max 100000" or "150000 100000"): nullopt when unlimited or malformed.
std::optional<double> parse_cpu_max(std::string_view text);

}  // namespace vouch::server
