// The email verification link token (mail/link_token): decode on any
// bytes, and decode(encode(t)) == t for a token made of the input.
#include <string>

#include "fuzz/fuzz_check.h"
#include "mail/link_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vouch;
  static const mail::LinkTokens tokens(std::string(32, 's'));
  std::string in(fuzz::text(data, size));
  (void)tokens.decode(in);
  // Fields split from the input at '|' (what the payload separates with).
  core::LinkToken t;
  size_t a = in.find('|'), b = a == std::string::npos ? a : in.find('|', a + 1);
  if (b == std::string::npos || in.size() > 300) return 0;
  t.claim_id = in.substr(0, a);
  t.nonce = in.substr(a + 1, b - a - 1);
  t.template_name = in.substr(b + 1);
  if (t.template_name.find('|') != std::string::npos) return 0;
  t.expires_unix = static_cast<int64_t>(size) * 1000003 - 7;
  auto back = tokens.decode(tokens.encode(t));
  FUZZ_CHECK(back && back->claim_id == t.claim_id && back->nonce == t.nonce &&
             back->template_name == t.template_name && back->expires_unix == t.expires_unix);
  return 0;
}
