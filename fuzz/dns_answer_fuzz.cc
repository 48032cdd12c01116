// A whole DNS reply as the resolver reads it (verify/dns/answer_reply):
// TXT (c-ares's parser and the joining of a record's strings), MX, CNAME
// and the negative answers' SOA. The first byte picks the record type and
// the c-ares status; the rest is the reply.
#include <ares.h>

#include "fuzz/fuzz_check.h"
#include "verify/dns/answer_reply.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vouch;
  if (size == 0) return 0;
  static constexpr core::RecordType kTypes[] = {core::RecordType::kTxt, core::RecordType::kCname,
                                                core::RecordType::kMx, core::RecordType::kSpf};
  static constexpr int kStatus[] = {ARES_SUCCESS, ARES_ENODATA, ARES_ENOTFOUND, ARES_ESERVFAIL};
  core::DnsAnswer out;
  verify::dns::fill_answer(out, kTypes[data[0] & 3], kStatus[(data[0] >> 2) & 3], data + 1,
                           static_cast<int>(size - 1));
  // Records only in an answer that has them; a reply holds its records.
  FUZZ_CHECK(out.records.empty() || out.kind == core::DnsAnswer::Kind::kRecords);
  size_t total = 0;
  for (const auto& r : out.records) total += r.size();
  FUZZ_CHECK(total <= 64 * size + 64);
  return 0;
}
