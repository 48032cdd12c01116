// Hand-built DNS message pieces for the reply parsers' tests.
#pragma once

#include <string>
#include <utility>
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

// A reply to the question `qname` (wire form) `qtype` with `answers` then
// `authority` records, each (type, rdata) owned by the question's name: a
// pointer to it, as servers compress, or with `full_names` the name again.
inline Bytes reply_to(const Bytes& qname, unsigned qtype,
                      const std::vector<std::pair<unsigned, Bytes>>& answers,
                      const std::vector<std::pair<unsigned, Bytes>>& authority = {},
                      bool full_names = false) {
  Bytes m{0x12, 0x34, 0x81, 0x80, 0, 1};
  u16(m, static_cast<unsigned>(answers.size()));
  u16(m, static_cast<unsigned>(authority.size()));
  u16(m, 0);
  m.insert(m.end(), qname.begin(), qname.end());
  u16(m, qtype);
  u16(m, 1);
  for (const auto* section : {&answers, &authority}) {
    for (const auto& [type, rdata] : *section) {
      if (full_names) {
        m.insert(m.end(), qname.begin(), qname.end());
      } else {
        m.push_back(0xC0);
        m.push_back(12);
      }
      u16(m, type);
      u16(m, 1);
      u16(m, 0);
      u16(m, 60);
      u16(m, static_cast<unsigned>(rdata.size()));
      m.insert(m.end(), rdata.begin(), rdata.end());
    }
  }
  return m;
}

}  // namespace vouch::verify::dns::test
