#include "verify/dns/dns_name.h"

#include <ares.h>

#include <memory>

namespace vouch::verify::dns {

bool read_name(const unsigned char* abuf, int end, int* pos, std::string* out) {
  if (*pos >= end) return false;
  char* name = nullptr;
  long enclen = 0;
  if (ares_expand_name(abuf + *pos, abuf, end, &name, &enclen) != ARES_SUCCESS) return false;
  std::unique_ptr<char, void (*)(char*)> owned(name, [](char* s) { ares_free_string(s); });
  if (enclen <= 0 || enclen > end - *pos) return false;
  *pos += static_cast<int>(enclen);
  *out = name;
  return true;
}

}  // namespace vouch::verify::dns
