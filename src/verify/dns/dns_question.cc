#include "verify/dns/dns_question.h"

namespace vouch::verify::dns {

std::string question_of(const unsigned char* m, size_t len) {
  if (len < 12 || m[4] != 0 || m[5] != 1) return {};
  // The name's end first, then one copy (twice per query: a byte at a time it
  // cost ~1.8k instructions a check of a sweep).
  size_t off = 12;
  while (off < len && m[off] != 0) {
    const size_t n = m[off];
    if (n > 63 || off + 1 + n >= len) return {};  // a pointer, or past the end
    off += 1 + n;
  }
  if (off + 5 > len) return {};
  std::string q(reinterpret_cast<const char*>(m + 12), off + 5 - 12);  // root, QTYPE, QCLASS
  // Lower-case the name; its length bytes (at most 63) are below 'A'.
  for (size_t i = 0; i < off - 12; ++i) {
    if (q[i] >= 'A' && q[i] <= 'Z') q[i] = static_cast<char>(q[i] + 32);
  }
  return q;
}

}  // namespace vouch::verify::dns
