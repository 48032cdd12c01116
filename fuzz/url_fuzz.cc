// URL path and query decoding: the request-target split, percent-decoding,
// the canonical URI and query SigV4 builds, query_param, and
// http::Request's path()/query().
#include <string>

#include "auth/canonical.h"
#include "auth/parse.h"
#include "fuzz/fuzz_check.h"
#include "http/message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vouch;
  std::string_view in = fuzz::text(data, size);
  auto [path, query] = auth::split_target(in);
  FUZZ_CHECK(path.size() + query.size() <= in.size());
  std::string uri = auth::canonical_uri(path);
  FUZZ_CHECK(!uri.empty());
  // A canonical query is sorted name=value pairs, each fully encoded.
  std::string q = auth::canonical_query(query, false);
  std::string qp = auth::canonical_query(query, true);
  FUZZ_CHECK(qp.size() <= q.size());
  FUZZ_CHECK(auth::canonical_query(q, false) == q);
  (void)auth::query_param(query, "X-Amz-Signature");
  (void)auth::query_param(query, "NextToken");
  http::Request req;
  req.target = std::string(in);
  FUZZ_CHECK(req.path().size() + req.query().size() <= in.size());
  // percent_decode undoes uri_encode, with or without '/' kept.
  for (bool keep_slash : {true, false}) {
    std::string enc;
    auth::uri_encode(in, keep_slash, enc);
    FUZZ_CHECK(auth::percent_decode(enc) == in);
  }
  FUZZ_CHECK(auth::percent_decode(in).size() <= in.size());
  return 0;
}
