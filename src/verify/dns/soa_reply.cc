#include "verify/dns/soa_reply.h"

#include <utility>

#include "verify/dns/dns_name.h"

namespace vouch::verify::dns {

namespace {

constexpr int kHeader = 12;
constexpr int kTypeSoa = 6;
constexpr int kClassIn = 1;

int u16(const unsigned char* p) { return (p[0] << 8) | p[1]; }

uint32_t u32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

std::optional<SoaRecord> parse_soa_record(const unsigned char* abuf, int alen) {
  if (!abuf || alen < kHeader) return std::nullopt;
  const int questions = u16(abuf + 4);
  const int answers = u16(abuf + 6);
  const int records = answers + u16(abuf + 8);  // answer, then authority
  int pos = kHeader;
  std::string name;
  for (int i = 0; i < questions; ++i) {
    if (!read_name(abuf, alen, &pos, &name) || alen - pos < 4) return std::nullopt;
    pos += 4;
  }
  for (int i = 0; i < records; ++i) {
    if (!read_name(abuf, alen, &pos, &name) || alen - pos < 10) return std::nullopt;
    const int type = u16(abuf + pos), klass = u16(abuf + pos + 2), rdlen = u16(abuf + pos + 8);
    pos += 10;
    if (rdlen > alen - pos) return std::nullopt;
    if (type == kTypeSoa && klass == kClassIn) {
      const int end = pos + rdlen;
      int at = pos;
      SoaRecord r;
      // Both names and the five numbers must sit inside the RDATA.
      if (!read_name(abuf, end, &at, &r.soa.primary_ns) ||
          !read_name(abuf, end, &at, &r.soa.admin) || end - at != 20) {
        return std::nullopt;
      }
      r.soa.serial = u32(abuf + at);
      r.zone = std::move(name);
      r.ttl = u32(abuf + pos - 6);
      r.in_answer = i < answers;
      return r;
    }
    pos += rdlen;
  }
  return std::nullopt;
}

std::optional<core::Soa> parse_soa(const unsigned char* abuf, int alen) {
  auto r = parse_soa_record(abuf, alen);
  if (!r) return std::nullopt;
  return std::move(r->soa);
}

std::string soa_query_name(const std::string& name) {
  const size_t dot = name.find('.');
  if (dot == std::string::npos || dot + 1 >= name.size()) return name;
  return name.substr(dot + 1);
}

}  // namespace vouch::verify::dns
