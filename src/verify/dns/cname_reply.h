// CNAME targets out of a raw DNS reply. c-ares 1.18 has no CNAME parser, so
// the answer section is walked by hand: every read is bounds-checked and a
// malformed reply is reported, never trusted.
#pragma once

#include <string>
#include <vector>

namespace vouch::verify::dns {

enum class CnameReply { kRecords, kNoData, kMalformed };

// Appends to `targets` (without the trailing dot) every IN CNAME in the answer
// section whose owner is the question's name (compared without case).
// kNoData when there is none; kMalformed when the message does not parse.
// `targets` is left alone unless the result is kRecords.
CnameReply parse_cname_reply(const unsigned char* abuf, int alen,
                             std::vector<std::string>* targets);

}  // namespace vouch::verify::dns
