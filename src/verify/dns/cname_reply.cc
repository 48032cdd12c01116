#include "verify/dns/cname_reply.h"

#include <strings.h>

#include "verify/dns/dns_name.h"

namespace vouch::verify::dns {

namespace {

constexpr int kHeader = 12;
constexpr int kTypeCname = 5;
constexpr int kClassIn = 1;

int u16(const unsigned char* p) { return (p[0] << 8) | p[1]; }

}  // namespace

CnameReply parse_cname_reply(const unsigned char* abuf, int alen,
                             std::vector<std::string>* targets) {
  if (!abuf || alen < kHeader) return CnameReply::kMalformed;
  const int questions = u16(abuf + 4), answers = u16(abuf + 6);
  if (questions < 1) return CnameReply::kMalformed;
  int pos = kHeader;
  std::string qname, name;
  for (int i = 0; i < questions; ++i) {
    if (!read_name(abuf, alen, &pos, i == 0 ? &qname : &name) || alen - pos < 4) {
      return CnameReply::kMalformed;
    }
    pos += 4;  // type, class
  }
  std::vector<std::string> found;
  for (int i = 0; i < answers; ++i) {
    if (!read_name(abuf, alen, &pos, &name) || alen - pos < 10) return CnameReply::kMalformed;
    const int type = u16(abuf + pos), klass = u16(abuf + pos + 2), rdlen = u16(abuf + pos + 8);
    pos += 10;
    if (rdlen > alen - pos) return CnameReply::kMalformed;
    if (type == kTypeCname && klass == kClassIn && strcasecmp(name.c_str(), qname.c_str()) == 0) {
      int at = pos;
      std::string target;
      // The target must sit inside its own RDATA (pointers may leave it).
      if (!read_name(abuf, pos + rdlen, &at, &target) || at != pos + rdlen) {
        return CnameReply::kMalformed;
      }
      found.push_back(std::move(target));
    }
    pos += rdlen;
  }
  if (found.empty()) return CnameReply::kNoData;
  for (auto& t : found) targets->push_back(std::move(t));
  return CnameReply::kRecords;
}

}  // namespace vouch::verify::dns
