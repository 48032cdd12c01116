#include "server/cpus.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <fstream>
#include <optional>
#include <string>

#include "testing/temp_dir.h"

namespace vouch::server {
namespace {

namespace fs = std::filesystem;

class CgroupQuotaTest : public ::testing::Test {
 protected:
  void put(const std::string& rel, const std::string& text) {
    const fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  std::optional<double> quota(const std::string& self) { return cgroup_cpu_quota(root_, self); }
  testing::TempDir dir_;
  fs::path root_ = dir_.path();
};

TEST(ParseCpuMaxTest, ReadsQuotaOverPeriod) {
  EXPECT_EQ(parse_cpu_max("150000 100000\n"), 1.5);
  EXPECT_EQ(parse_cpu_max("200000 100000"), 2.0);
  EXPECT_EQ(parse_cpu_max("max 100000\n"), std::nullopt);  // unlimited
  for (const char* bad : {"", "150000", "x 100000", "-1 100000", "0 100000", "1 0", "1 2 3"}) {
    EXPECT_EQ(parse_cpu_max(bad), std::nullopt) << bad;
  }
}

TEST_F(CgroupQuotaTest, V2TakesTheTightestOfTheCgroupAndItsAncestors) {
  put("a/b/cpu.max", "max 100000\n");
  put("a/cpu.max", "300000 100000\n");
  EXPECT_EQ(quota("0::/a/b\n"), 3.0);
  put("cpu.max", "50000 100000\n");
  EXPECT_EQ(quota("0::/a/b\n"), 0.5);
  put("a/b/cpu.max", "25000 100000\n");
  EXPECT_EQ(quota("0::/a/b\n"), 0.25);
}

TEST_F(CgroupQuotaTest, V2PathTheContainerCannotSeeFallsBackToItsTop) {
  put("cpu.max", "150000 100000\n");
  EXPECT_EQ(quota("0::/docker/0123abcd\n"), 1.5);
}

TEST_F(CgroupQuotaTest, NoQuotaAnywhereIsNone) {
  put("a/cpu.max", "max 100000\n");
  EXPECT_EQ(quota("0::/a\n"), std::nullopt);
  EXPECT_EQ(quota(""), std::nullopt);
  EXPECT_EQ(quota("garbage\n::\n"), std::nullopt);
}

TEST_F(CgroupQuotaTest, V1ReadsTheCpuControllersCfsQuota) {
  put("cpu,cpuacct/x/cpu.cfs_quota_us", "-1\n");  // unlimited here...
  put("cpu,cpuacct/x/cpu.cfs_period_us", "100000\n");
  put("cpu,cpuacct/cpu.cfs_quota_us", "250000\n");  // ...limited above
  put("cpu,cpuacct/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(quota("4:memory:/x\n3:cpu,cpuacct:/x\n0::/x\n"), 2.5);
  // Control: the same files under a hierarchy without the cpu controller.
  EXPECT_EQ(quota("3:cpuacct:/x\n"), std::nullopt);
}

TEST_F(CgroupQuotaTest, V1SeparateCpuMount) {
  put("cpu/vouch/cpu.cfs_quota_us", "100000\n");
  put("cpu/vouch/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(quota("1:cpu:/vouch\n2:cpuacct:/vouch\n"), 1.0);
}

TEST(AffinityCpusTest, CountsTheMaskNotTheMachine) {
  cpu_set_t all;
  ASSERT_EQ(::sched_getaffinity(0, sizeof all, &all), 0);
  EXPECT_EQ(affinity_cpus(), CPU_COUNT(&all));
  int first = 0;
  while (!CPU_ISSET(first, &all)) ++first;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(::sched_setaffinity(0, sizeof one, &one), 0);  // this thread only
  EXPECT_EQ(affinity_cpus(), 1);
  EXPECT_EQ(usable_cpus(), 1);
  ASSERT_EQ(::sched_setaffinity(0, sizeof all, &all), 0);
}

}  // namespace
}  // namespace vouch::server
