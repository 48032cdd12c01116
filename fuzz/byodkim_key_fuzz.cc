// BYODKIM private keys from requests (crypto/dkim_key): base64 DER read by
// OpenSSL; the input both as the base64 text and as the DER it encodes.
#include <span>
#include <string>

#include "core/encoding.h"
#include "crypto/dkim_key.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vouch;
  for (const std::string& text :
       {std::string(fuzz::text(data, size)), core::base64_encode(std::span(data, size))}) {
    auto key = crypto::dkim_public_key(text);
    if (key.ok()) FUZZ_CHECK((key->bits == 1024 || key->bits == 2048) && !key->spki_base64.empty());
  }
  return 0;
}
