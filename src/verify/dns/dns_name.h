// Reading a (possibly compressed) name out of a raw DNS message, shared by
// the hand-written reply parsers (c-ares 1.18 parses neither CNAME nor an
// authority-section SOA).
#pragma once

#include <string>

namespace vouch::verify::dns {

// The name at abuf[*pos], every byte and pointer read within abuf[0, end);
// advances *pos past it. False when it does not parse.
bool read_name(const unsigned char* abuf, int end, int* pos, std::string* out);

}  // namespace vouch::verify::dns
