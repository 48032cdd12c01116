// Page tokens (NextToken) (service/page_token): decode on any bytes, bound
// to their scope and listing; decode(encode(seq)) == seq.
#include <string>

#include "fuzz/fuzz_check.h"
#include "service/page_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vouch;
  static const service::PageTokens tokens(std::string(32, 't'));
  const core::Scope scope{"123456789012", "us-east-1"};
  std::string in(fuzz::text(data, size));
  (void)tokens.decode(scope, "ses:Domain", in);
  int64_t seq = 0;
  for (size_t i = 0; i < size && i < 8; ++i) seq = (seq << 8) | data[i];
  if (seq < 0) seq = -(seq + 1);
  std::string token = tokens.encode(scope, in, seq);
  auto back = tokens.decode(scope, in, token);
  FUZZ_CHECK(back && *back == seq);
  // Another listing or scope does not read it.
  FUZZ_CHECK(!tokens.decode(scope, in + "x", token));
  FUZZ_CHECK(!tokens.decode({"123456789012", "eu-west-1"}, in, token));
  return 0;
}
