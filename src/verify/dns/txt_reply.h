// A TXT reply's records read straight from the wire in the common case, so
// that a sweep does not pay c-ares's ares_parse_txt_reply_ext (two names
// expanded into fresh strings and a node allocated per string: ~2.3k
// instructions a check). Anything unusual is left to c-ares, whose reading
// stays the reference (answer_reply.cc).
#pragma once

#include <string>
#include <vector>

namespace vouch::verify::dns {

// Appends the records of a reply with one question and at least one IN TXT
// answer (each record's character-strings joined) and returns true; returns
// false, appending nothing, for any other reply, or one whose names or
// records are not plainly well-formed (c-ares then reads it).
bool read_plain_txt_reply(const unsigned char* abuf, int alen, std::vector<std::string>* records);

}  // namespace vouch::verify::dns
