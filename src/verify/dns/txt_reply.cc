#include "verify/dns/txt_reply.h"

namespace vouch::verify::dns {

namespace {

constexpr int kHeader = 12;
constexpr int kTypeTxt = 16;
constexpr int kClassIn = 1;

int u16(const unsigned char* p) { return (p[0] << 8) | p[1]; }

bool plain_label_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// Moves *pos past the name there when it is one c-ares reads alike: labels of
// letters, digits, '-' and '_' within the message, each followed by at least
// one byte, pointers only backwards (so no loop) and at most 16 of them, at
// most 255 bytes in all.
bool skip_plain_name(const unsigned char* m, int len, int* pos) {
  int p = *pos, end = -1, jumps = 0, total = 0;
  for (;;) {
    if (p >= len) return false;
    const int c = m[p];
    if (c == 0) break;
    if ((c & 0xC0) == 0xC0) {
      if (p + 1 >= len) return false;
      const int to = ((c & 0x3F) << 8) | m[p + 1];
      if (to >= p || ++jumps > 16) return false;
      if (end < 0) end = p + 2;
      p = to;
      continue;
    }
    if (c > 63 || p + c + 1 >= len) return false;
    for (int i = 1; i <= c; ++i) {
      if (!plain_label_byte(m[p + i])) return false;
    }
    total += c + 1;
    if (total > 255) return false;
    p += c + 1;
  }
  *pos = end < 0 ? p + 1 : end;
  return true;
}

}  // namespace

bool read_plain_txt_reply(const unsigned char* abuf, int alen, std::vector<std::string>* records) {
  if (!abuf || alen < kHeader || u16(abuf + 4) != 1) return false;
  const int answers = u16(abuf + 6);
  int pos = kHeader;
  if (!skip_plain_name(abuf, alen, &pos) || alen - pos < 4) return false;
  pos += 4;  // type, class
  std::vector<std::string> found;
  for (int i = 0; i < answers; ++i) {
    if (!skip_plain_name(abuf, alen, &pos) || alen - pos < 10) return false;
    const int type = u16(abuf + pos), klass = u16(abuf + pos + 2), rdlen = u16(abuf + pos + 8);
    pos += 10;
    if (rdlen > alen - pos) return false;
    if (type == kTypeTxt && klass == kClassIn && rdlen > 0) {
      std::string record;
      for (int at = pos; at < pos + rdlen;) {
        const int n = abuf[at];
        if (at + 1 + n > pos + rdlen) return false;
        record.append(reinterpret_cast<const char*>(abuf + at + 1), static_cast<size_t>(n));
        at += 1 + n;
      }
      found.push_back(std::move(record));
    }
    pos += rdlen;
  }
  if (found.empty()) return false;
  for (auto& r : found) records->push_back(std::move(r));
  return true;
}

}  // namespace vouch::verify::dns
