// VPC Lattice domain verification (restJson1): a request's path, query and JSON
// body to the operation, through the router and the real service over SQLite
// (api/lattice/*). Input: "METHOD target", header lines, an empty line, the
// body (fuzz/api_stack.h).
#include "fuzz/api_stack.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vouch::fuzz::ApiStack::get().call_raw(vouch::fuzz::text(data, size), "vpc-lattice");
  return 0;
}
