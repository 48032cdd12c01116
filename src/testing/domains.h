// Test domains of an exact length, for the DNS name-length boundaries.
#pragma once

#include <algorithm>
#include <string>

namespace vouch::testing {

// A valid domain of exactly `n` characters (n >= 5): labels of up to 63
// 'a's before "com".
inline std::string domain_of_length(size_t n) {
  std::string out;
  size_t rem = n - 3;  // each label costs its length and a dot
  while (rem > 0) {
    size_t l = std::min<size_t>(63, rem - 1);
    if (rem - (l + 1) == 1) --l;  // never leave room for a dot alone
    out += std::string(l, 'a') + ".";
    rem -= l + 1;
  }
  return out + "com";
}

}  // namespace vouch::testing
