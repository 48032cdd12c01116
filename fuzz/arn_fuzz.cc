// ARNs in Lattice requests (core/arn) and RFC 3339 times (core/rfc3339):
// parse on any bytes; a made ARN or time reads back.
#include <string>

#include "core/arn.h"
#include "core/rfc3339.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vouch;
  std::string_view in = fuzz::text(data, size);
  (void)core::is_domain_verification_id(in);
  if (auto arn = core::parse_arn(in)) {
    FUZZ_CHECK(arn->partition.size() + arn->resource.size() <= in.size());
  }
  if (auto t = core::parse_rfc3339(in)) {
    FUZZ_CHECK(core::format_rfc3339(*t) == in);  // it reads back exactly what it writes
  }
  auto [region, id] = fuzz::first_line(in);
  if (region.find(':') == std::string_view::npos && !id.empty()) {
    core::Scope scope{"123456789012", std::string(region)};
    auto arn = core::parse_arn(core::domain_verification_arn(scope, std::string(id)));
    FUZZ_CHECK(arn && arn->region == region && arn->account_id == scope.account_id);
  }
  return 0;
}
