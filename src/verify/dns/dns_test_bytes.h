// Hand-built DNS message pieces for the reply parsers' tests.
#pragma once

#include <string>
#include <vector>

namespace vouch::verify::dns::test {

using Bytes = std::vector<unsigned char>;

// `n` in wire form: length-prefixed labels, then the root's zero.
inline Bytes name(const std::string& n) {
  Bytes out;
  size_t start = 0;
  while (start < n.size()) {
    size_t dot = n.find('.', start);
    if (dot == std::string::npos) dot = n.size();
    out.push_back(static_cast<unsigned char>(dot - start));
    out.insert(out.end(), n.begin() + static_cast<long>(start), n.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

inline void u16(Bytes& b, unsigned v) {
  b.push_back(static_cast<unsigned char>(v >> 8));
  b.push_back(static_cast<unsigned char>(v));
}

}  // namespace vouch::verify::dns::test
