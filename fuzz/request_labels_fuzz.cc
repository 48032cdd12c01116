// How metrics and the access log name a request (api/operation_label,
// api/access_log): from its method, path and (SES v1) form body. A label
// is a fixed name, never bytes the client sent. Input: "METHOD target",
// then the body.
#include <string>

#include "api/access_log.h"
#include "api/operation_label.h"
#include "fuzz/fuzz_check.h"

namespace {

// Whether `s` points into `buf` (a label copied out of the request).
bool inside(std::string_view s, const std::string& buf) {
  return !s.empty() && s.data() >= buf.data() && s.data() < buf.data() + buf.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vouch;
  auto [line, body] = fuzz::first_line(fuzz::text(data, size));
  http::Request req;
  size_t sp = line.find(' ');
  req.method = std::string(line.substr(0, sp));
  req.target = sp == std::string_view::npos ? "/" : std::string(line.substr(sp + 1));
  req.body = std::string(body);
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  api::OperationName op = api::operation_name(req);
  FUZZ_CHECK(!op.api.empty() && !op.operation.empty());
  FUZZ_CHECK(!inside(op.operation, req.target) && !inside(op.operation, req.body));
  FUZZ_CHECK(!inside(op.api, req.target) && !inside(op.api, req.body));
  api::RequestName name = api::name_request(req);
  FUZZ_CHECK(name.api.size() < 32 && name.operation.size() < 128);
  return 0;
}
