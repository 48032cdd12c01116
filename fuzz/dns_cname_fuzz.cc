// The hand-written CNAME reply parser (verify/dns/cname_reply).
#include <string>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "verify/dns/cname_reply.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vouch::verify::dns;
  std::vector<std::string> targets;
  CnameReply r = parse_cname_reply(data, static_cast<int>(size), &targets);
  // Targets only with records, and each is a name read from the reply.
  FUZZ_CHECK((r == CnameReply::kRecords) == !targets.empty());
  for (const auto& t : targets) FUZZ_CHECK(t.size() < 1024);
  return 0;
}
