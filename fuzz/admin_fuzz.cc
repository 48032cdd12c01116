// vouch's own routes: the admin API (/_vouch/, JSON bodies), the event feed,
// the verification link pages (tokens in query and form) and the inbox
// (api/control/*, api/mail/*), through the router. Input: "METHOD target",
// header lines, an empty line, the body (fuzz/api_stack.h).

#include <nlohmann/json.hpp>

#include "fuzz/api_stack.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vouch;
  http::Response r = fuzz::ApiStack::get().call_raw(fuzz::text(data, size), "ses");
  // A JSON answer is JSON.
  if (r.content_type == "application/json" && !r.body.empty()) {
    FUZZ_CHECK(!nlohmann::json::parse(r.body, nullptr, false).is_discarded());
  }
  return 0;
}
