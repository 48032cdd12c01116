// Identity names from requests (core/identity): domains (IDNA through
// libidn2), email addresses, either. A normalized name normalizes to itself.
#include <string>

#include "core/identity.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vouch;
  std::string_view in = fuzz::text(data, size);
  if (auto d = core::normalize_domain(in); d.ok()) {
    auto again = core::normalize_domain(*d);
    FUZZ_CHECK(again.ok() && *again == *d);
  }
  if (auto d = core::normalize_domain(in, 20); d.ok()) FUZZ_CHECK(d->size() + 20 <= 255);
  if (auto e = core::normalize_email(in); e.ok()) {
    auto again = core::normalize_email(*e);
    FUZZ_CHECK(again.ok() && *again == *e);
  }
  if (auto i = core::normalize_identity(in); i.ok()) {
    auto again = core::normalize_identity(*i);
    FUZZ_CHECK(again.ok() && *again == *i);
  }
  return 0;
}
