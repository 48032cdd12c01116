// SigV4: the Authorization header and the presigned query (auth/parse.cc),
// the dates they carry, and the canonical request, through auth::verify.
// Input: first line "METHOD target", then "Name: value" header lines, an
// empty line, the body. The first byte picks the verify options.
#include <string>
#include <vector>

#include "auth/canonical.h"
#include "auth/parse.h"
#include "auth/sigv4.h"
#include "auth/time_format.h"
#include "fuzz/fuzz_check.h"

namespace {

using namespace vouch;

const core::TimePoint kNow{std::chrono::seconds(1767227400)};  // 2026-01-01T00:30:00Z

core::Result<std::optional<auth::Credentials>> lookup(std::string_view key) {
  if (key == "AKIDEXAMPLE") return std::optional<auth::Credentials>({"123456789012", "secret"});
  return std::optional<auth::Credentials>();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string_view in = fuzz::text(data + 1, size - 1);
  auto [line, rest] = fuzz::first_line(in);
  size_t sp = line.find(' ');
  std::string method(line.substr(0, sp));
  std::string target(sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1));
  std::vector<auth::Header> headers;
  while (!rest.empty() && headers.size() < 64) {
    auto [h, after] = fuzz::first_line(rest);
    rest = after;
    if (h.empty()) break;
    size_t colon = h.find(':');
    headers.push_back({std::string(h.substr(0, colon)),
                       colon == std::string_view::npos ? "" : std::string(h.substr(colon + 1))});
  }
  auth::RequestView req{method, target, &headers, rest};
  auth::VerifyOptions opts;
  opts.skip_signature_check = mode & 1;
  opts.allow_unsigned_payload = mode & 2;
  opts.expected_service = (mode & 4) ? "ses" : "";
  auto result = auth::verify(req, lookup, kNow, opts);
  (void)auth::peek_scope(req);
  auto parsed = auth::parse_auth(req);
  if (auto* p = std::get_if<auth::AuthParams>(&parsed)) {
    FUZZ_CHECK(!p->scope.access_key_id.empty());
    // A parsed date renders back to one that parses to the same time.
    auto again = auth::parse_amz_date(auth::format_amz_date(p->time));
    FUZZ_CHECK(again && *again == p->time);
    auto canonical = auth::canonical_request(req, p->signed_headers, "UNSIGNED-PAYLOAD",
                                             p->presigned, auth::kMaxCanonicalRequest);
    FUZZ_CHECK(!canonical || canonical->size() <= auth::kMaxCanonicalRequest);
  }
  (void)auth::parse_http_date(rest);
  (void)result;
  return 0;
}
