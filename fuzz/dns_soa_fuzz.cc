// The hand-written SOA reply parser (verify/dns/soa_reply).
#include <string>

#include "fuzz/fuzz_check.h"
#include "verify/dns/soa_reply.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vouch::verify::dns;
  auto soa = parse_soa(data, static_cast<int>(size));
  if (soa) FUZZ_CHECK(soa->primary_ns.size() < 1024 && soa->admin.size() < 1024);
  std::string name(reinterpret_cast<const char*>(data), size);
  std::string parent = soa_query_name(name);
  FUZZ_CHECK(parent.size() <= name.size());
  return 0;
}
