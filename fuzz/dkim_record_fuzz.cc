// DKIM key records read from DNS TXT answers (core/dkim_key).
#include <string>

#include "core/dkim_key.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vouch;
  std::string_view in = fuzz::text(data, size);
  auto key = core::dkim_public_key(in);
  if (key) {
    FUZZ_CHECK(key->size() <= in.size());
    // The record made for a key reads back as that key.
    if (!key->empty() && key->find(';') == std::string::npos) {
      auto again = core::dkim_public_key(core::dkim_key_record(*key));
      FUZZ_CHECK(again && *again == *key);
      FUZZ_CHECK(core::dkim_key_matches(in, *key));
    }
  }
  (void)core::dkim_key_matches(in, "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC");
  return 0;
}
