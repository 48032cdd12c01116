#include "api/api_test_util.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "auth/sigv4.h"

namespace vouch::api::test_util {

std::unique_ptr<store::sqlite::SqliteStore> open_sqlite(const std::string& path) {
  auto s = store::sqlite::SqliteStore::open(path);
  if (!s.ok()) {
    ADD_FAILURE() << "cannot open store: " << s.error().message;
    std::abort();
  }
  return std::move(*s);
}

http::Request signed_request(const std::string& method, const std::string& target,
                             const std::string& body, const SignAs& as, core::TimePoint when,
                             std::string_view content_type) {
  auth::SignInput in;
  in.method = method;
  in.target = target;
  in.body = body;
  in.region = as.region;
  in.service = as.service;
  in.access_key_id = as.key;
  in.secret_access_key = as.secret;
  in.when = when;
  in.add_content_sha256 = as.content_sha256;
  if (!content_type.empty()) in.headers.push_back({"Content-Type", std::string(content_type)});
  http::Request req;
  req.method = method;
  req.target = target;
  req.body = body;
  for (auto& h : auth::sign(in)) req.headers.push_back({h.name, h.value});
  return req;
}

}  // namespace vouch::api::test_util
