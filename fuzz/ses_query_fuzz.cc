// SES v1 (awsQuery): the form body of POST / to the operation it names,
// through the router and the real service over SQLite (api/ses/*).
#include "fuzz/api_stack.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vouch;
  http::Request req;
  req.method = "POST";
  req.target = "/";
  req.headers = {
      {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
      {"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20260101/us-east-1/ses/aws4_request, "
                        "SignedHeaders=host;x-amz-date, Signature=00"},
      {"X-Amz-Date", "20260101T003000Z"},
      {"Host", "127.0.0.1:4566"}};
  req.body = std::string(fuzz::text(data, size));
  http::Response r = fuzz::ApiStack::get().call(std::move(req));
  FUZZ_CHECK(r.status >= 200 && r.status < 600);
  return 0;
}
