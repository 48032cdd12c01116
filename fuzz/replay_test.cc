// Every fuzz target on every file of its corpus (corpus/<target>/), in the
// normal and the sanitizer builds: a plain run of what the fuzzers found
// interesting, and of every crash they found once (kept as regressions).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#define VOUCH_FUZZ_TARGET(name) extern "C" int vouch_fuzz_##name(const uint8_t*, size_t);
#include "fuzz_targets.inc"
#undef VOUCH_FUZZ_TARGET

namespace {

struct Target {
  const char* name;
  int (*run)(const uint8_t*, size_t);
};

const Target kTargets[] = {
#define VOUCH_FUZZ_TARGET(name) {#name, &vouch_fuzz_##name},
#include "fuzz_targets.inc"
#undef VOUCH_FUZZ_TARGET
};

class FuzzReplay : public ::testing::TestWithParam<Target> {};

TEST_P(FuzzReplay, EveryCorpusFileRuns) {
  const std::filesystem::path dir = std::filesystem::path(VOUCH_FUZZ_CORPUS) / GetParam().name;
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir << " is the target's seed corpus";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty()) << dir;
  for (const auto& f : files) {
    SCOPED_TRACE(f.string());
    std::ifstream in(f, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(GetParam().run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, FuzzReplay, ::testing::ValuesIn(kTargets),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
