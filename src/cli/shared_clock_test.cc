// Test mode's clock on a shared store: two nodes (two clocks on one store)
// read the same time, and a move on one is seen by the other at once.
#include "cli/shared_clock.h"

#include <gtest/gtest.h>

#include "cli/shared_secrets.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace vouch::cli {
namespace {

const core::TimePoint kStart{std::chrono::seconds(1767225600)};  // 2026-01-01

class SharedTestClockTest : public ::testing::Test {
 protected:
  SharedTestClockTest() {
    auto s = store::sqlite::SqliteStore::open(dir_.file("vouch.db"));
    if (!s.ok()) std::abort();
    store_ = std::move(*s);
  }
  testing::TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
};

TEST_F(SharedTestClockTest, TheFirstNodeSetsTheStartAndTheOthersJoinIt) {
  auto a = SharedTestClock::open(*store_, kStart);
  ASSERT_OK(a);
  auto b = SharedTestClock::open(*store_, kStart + std::chrono::hours(5));  // started later
  ASSERT_OK(b);
  EXPECT_EQ((*a)->now(), kStart);
  EXPECT_EQ((*b)->now(), kStart);
}

TEST_F(SharedTestClockTest, AMoveOnOneNodeMovesTheOther) {
  auto a = SharedTestClock::open(*store_, kStart);
  auto b = SharedTestClock::open(*store_, kStart);
  ASSERT_OK(a);
  ASSERT_OK(b);
  auto moved = (*a)->move_by(std::chrono::hours(72));
  ASSERT_OK(moved);
  EXPECT_EQ(*moved, kStart + std::chrono::hours(72));
  EXPECT_EQ((*b)->now(), kStart + std::chrono::hours(72));
  ASSERT_OK((*b)->move_by(std::chrono::seconds(1)));
  EXPECT_EQ((*a)->now(), kStart + std::chrono::hours(72) + std::chrono::seconds(1));
  // Kept like the data dir's test-clock file: nanoseconds.
  auto stored = store_->get_setting(kTestClockSetting);
  ASSERT_OK(stored);
  EXPECT_EQ(
      **stored,
      std::to_string((kStart + std::chrono::seconds(72 * 3600 + 1)).time_since_epoch().count()));
}

TEST_F(SharedTestClockTest, ADamagedSettingIsAnErrorAtOpen) {
  ASSERT_OK(store_->put_setting(kTestClockSetting, "tomorrow"));
  auto c = SharedTestClock::open(*store_, kStart);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("test_clock is damaged"), std::string::npos);
}

TEST_F(SharedTestClockTest, IsAMovableClockForTheControlRoutes) {
  auto c = SharedTestClock::open(*store_, kStart);
  ASSERT_OK(c);
  core::MovableClock& clock = **c;
  ASSERT_OK(clock.move_by(std::chrono::minutes(1)));
  EXPECT_EQ(clock.now(), kStart + std::chrono::minutes(1));
}

}  // namespace
}  // namespace vouch::cli
