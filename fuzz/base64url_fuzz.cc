// base64url (core/encoding), under every token: decode on any bytes, and
// decode(encode(x)) == x.
#include <span>
#include <string>

#include "core/encoding.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vouch;
  std::string_view in = fuzz::text(data, size);
  if (auto d = core::base64url_decode(in)) {
    FUZZ_CHECK(d->size() <= in.size());
  }
  std::string enc = core::base64url_encode(std::span(data, size));
  auto back = core::base64url_decode(enc);
  FUZZ_CHECK(back && *back == in);
  return 0;
}
