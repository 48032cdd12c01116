#include "verify/dns/dns_question.h"

namespace vouch::verify::dns {

std::string question_of(const unsigned char* m, size_t len) {
  if (len < 12 || m[4] != 0 || m[5] != 1) return {};
  std::string q;
  size_t off = 12;
  while (off < len && m[off] != 0) {
    const size_t n = m[off];
    if (n > 63 || off + 1 + n >= len) return {};  // a pointer, or past the end
    q += static_cast<char>(n);
    for (size_t i = 1; i <= n; ++i) {
      const unsigned char c = m[off + i];
      q += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    off += 1 + n;
  }
  if (off + 5 > len) return {};
  q.append(reinterpret_cast<const char*>(m + off), 5);  // root, QTYPE, QCLASS
  return q;
}

}  // namespace vouch::verify::dns
