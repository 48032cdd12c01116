// What a service test runs against: a real SQLite store in a temp dir, a
// manual clock, a seeded random source, no rate limits, and page tokens.
// Each suite derives, names its start time, seed and page-token key, and
// makes its service in SetUp (IdentityServiceTestBase makes an
// IdentityService).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "core/clock.h"
#include "core/error.h"
#include "core/random.h"
#include "service/identity_service.h"
#include "service/page_token.h"
#include "service/rate_limiter.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/printers.h"
#include "testing/temp_dir.h"
#include "testing/domains.h"

namespace vouch::service {

using vouch::testing::domain_of_length;

// A failed Result or Status with `code` (and `message`, when given).
template <class R>
void expect_error(const R& r, core::ErrorCode code, const std::string& message = {}) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, code) << r.error().message;
  if (!message.empty()) {
    EXPECT_EQ(r.error().message, message);
  }
}

class ServiceTestBase : public ::testing::Test {
 protected:
  ServiceTestBase(core::TimePoint start, uint64_t seed, std::string page_token_key)
      : clock_(start), random_(seed), tokens_(std::move(page_token_key)) {}

  void SetUp() override {
    auto opened = store::sqlite::SqliteStore::open(dir_.file("vouch.db"));
    ASSERT_OK(opened);
    store_ = std::move(*opened);
  }

  testing::TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  core::ManualClock clock_;
  core::SeededRandom random_;
  RateLimiter unlimited_{clock_, {}};
  PageTokens tokens_;
};

// ServiceTestBase with an IdentityService, made in SetUp.
class IdentityServiceTestBase : public ServiceTestBase {
 protected:
  using ServiceTestBase::ServiceTestBase;

  void SetUp() override {
    ServiceTestBase::SetUp();
    if (HasFatalFailure()) return;
    service_ = make_identity_service();
  }

  std::unique_ptr<IdentityService> make_identity_service(IdentityOptions options = {}) {
    return std::make_unique<IdentityService>(*store_, clock_, random_, unlimited_, tokens_,
                                             options);
  }

  std::unique_ptr<IdentityService> service_;
};

}  // namespace vouch::service
