// DNS names in raw messages: read_name (the compressed-name reader the
// reply parsers share) at every offset, and question_of (how BatchedUdp
// matches an answer to its query, on any datagram, cut or not).
#include <string>

#include "fuzz/fuzz_check.h"
#include "verify/dns/dns_name.h"
#include "verify/dns/dns_question.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vouch::verify::dns;
  const int end = static_cast<int>(size);
  for (int at = 0; at < end && at < 64; ++at) {
    int pos = at;
    std::string name;
    if (read_name(data, end, &pos, &name)) FUZZ_CHECK(pos > at && pos <= end);
  }
  std::string q = question_of(data, size);
  // QNAME labels, root, type, class: never longer than the message itself.
  FUZZ_CHECK(q.empty() || (q.size() >= 5 && q.size() + 12 <= size));
  // A datagram cut short (past kMaxDatagram, a TC answer) has the same
  // question when it still has one whole.
  if (size > 12) {
    std::string cut = question_of(data, size - 1);
    FUZZ_CHECK(cut.empty() || cut == q);
  }
  return 0;
}
