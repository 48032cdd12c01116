// A raw DNS reply as a DnsAnswer: c-ares parses MX, and TXT unless the reply
// is plain (txt_reply.h); CNAME and the SOA are read by hand (cname_reply.h,
// soa_reply.h). Apart from the resolver so that the fuzzer
// (fuzz/dns_answer_fuzz.cc) drives it alone.
#pragma once

#include "core/evidence.h"

namespace vouch::verify::dns {

// Fills `out` (kind, records, error, soa) from a c-ares query callback's
// `status` and reply bytes.
void fill_answer(core::DnsAnswer& out, core::RecordType type, int status, const unsigned char* abuf,
                 int alen);

// A successful TXT reply's records as c-ares reads them (kind kRecords set by
// the caller): what fill_answer does with a reply that is not plain.
void fill_txt_by_cares(core::DnsAnswer& out, const unsigned char* abuf, int alen);

}  // namespace vouch::verify::dns
