// What every fuzz target shares: an invariant that stops the run (a crash
// libFuzzer keeps, a failed replay test) and the input as a string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace vouch::fuzz {

inline std::string_view text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The input's first line and the rest ("" and all when there is no '\n').
inline std::pair<std::string_view, std::string_view> first_line(std::string_view in) {
  size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return {in, {}};
  return {in.substr(0, nl), in.substr(nl + 1)};
}

}  // namespace vouch::fuzz

// Aborts with the broken invariant named: the fuzzer saves the input.
#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)
