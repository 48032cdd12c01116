// The zone's SOA out of a raw DNS reply: in the answer section (a question
// at the apex) or the authority section (NXDOMAIN and NODATA answers carry
// it). Bounds-checked like parse_cname_reply; a malformed reply has none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/evidence.h"

namespace vouch::verify::dns {

// An SOA record with what the SOA cache (soa_cache.h) needs besides.
struct SoaRecord {
  core::Soa soa;
  std::string zone;        // the record's owner: the zone's apex
  uint32_t ttl = 0;        // seconds
  bool in_answer = false;  // the answer section (a question at the apex), else authority
};

// The first IN SOA in the answer or authority section; nullopt when there is
// none or the message does not parse.
std::optional<SoaRecord> parse_soa_record(const unsigned char* abuf, int alen);
std::optional<core::Soa> parse_soa(const unsigned char* abuf, int alen);

// Where to ask for the SOA after a positive answer at `name`: its parent (a
// DKIM record name is a CNAME, whose own SOA answer would be its target
// zone's); `name` itself when it has one label.
std::string soa_query_name(const std::string& name);

}  // namespace vouch::verify::dns
