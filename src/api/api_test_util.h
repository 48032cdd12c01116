// Helpers shared by the API front ends' tests (test binaries only): a store
// that must open, and SigV4-signed requests as an SDK would send them.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "http/message.h"
#include "store/sqlite/sqlite_store.h"

namespace vouch::api::test_util {

// What AWS answers when a request's signature does not match.
inline constexpr char kSignatureMismatch[] =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

// Opens (creating) the SQLite store at `path`; a fixture cannot go on
// without it, so a failure is reported and the test binary stops.
std::unique_ptr<store::sqlite::SqliteStore> open_sqlite(const std::string& path);

struct SignAs {
  std::string key, secret, region, service;
  bool content_sha256 = false;  // X-Amz-Content-Sha256, as the JS SDK v3 sends it
};

// A header-signed request; `content_type` (when not empty) is sent and signed.
http::Request signed_request(const std::string& method, const std::string& target,
                             const std::string& body, const SignAs& as, core::TimePoint when,
                             std::string_view content_type);

}  // namespace vouch::api::test_util
