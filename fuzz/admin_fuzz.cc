// vouch's own routes: the admin API (/_vouch/, JSON bodies), the event feed,
// the verification link pages (tokens in query and form) and the inbox
// (api/control/*, api/mail/*), through the router. Input: "METHOD target",
// header lines, an empty line, the body (fuzz/api_stack.h).
#include "fuzz/api_stack.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vouch::fuzz::ApiStack::get().call_raw(vouch::fuzz::text(data, size), "ses");
  return 0;
}
