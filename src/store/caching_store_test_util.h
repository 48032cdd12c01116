// What the CachingStore tests share: their scope and time, and a fixture
// that opens a CachingStore over a fresh SQLite store wrapped in the test's
// own ForwardingStore (which counts or hooks the reads that reach it).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/caching_store.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace vouch::store::testing_util {

inline const core::Scope kScope{"111122223333", "us-east-1"};
inline const core::TimePoint T0 = core::TimePoint(std::chrono::seconds(1'700'000'000));

template <class Inner>
class CachingStoreFixture : public ::testing::Test {
 protected:
  // A new database file each time, so a test can reopen with other settings.
  void open_cache(CachingStore::Writers writers, size_t capacity,
                  size_t evidence_bytes = CachingStore::kEvidenceBytes) {
    cache_.reset();
    auto sqlite = sqlite::SqliteStore::open(dir_.file("vouch" + std::to_string(++opened_) + ".db"));
    ASSERT_TRUE(sqlite.ok());
    auto inner = std::make_unique<Inner>(std::move(*sqlite));
    inner_ = inner.get();
    cache_ = std::make_unique<CachingStore>(std::move(inner), capacity, writers, evidence_bytes);
  }

  testing::TempDir dir_;
  int opened_ = 0;
  Inner* inner_ = nullptr;
  std::unique_ptr<CachingStore> cache_;
};

}  // namespace vouch::store::testing_util
