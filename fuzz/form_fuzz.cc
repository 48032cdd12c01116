// The awsQuery form decoder (api/common/form): parse_form in both '+'
// modes, FormParams::list, and url_decode against auth's encoder.
#include <string>

#include "api/common/form.h"
#include "auth/canonical.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vouch;
  std::string_view in = fuzz::text(data, size);
  for (bool plus : {true, false}) {
    auto form = api::parse_form(in, plus);
    if (!form) continue;
    FUZZ_CHECK(form->items.size() <= in.size() + 1);
    for (const auto& [k, v] : form->items) {
      FUZZ_CHECK(form->get(k) != nullptr);
      auto members = form->list(k);
      FUZZ_CHECK(members.size() <= form->items.size());
    }
  }
  // Decoding what the SigV4 encoder wrote gives back the bytes.
  std::string encoded;
  auth::uri_encode(in, false, encoded);
  for (bool plus : {true, false}) {
    auto back = api::url_decode(encoded, plus);
    FUZZ_CHECK(back && *back == in);
  }
  return 0;
}
