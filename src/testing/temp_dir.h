// Test-only helpers: a scratch directory that removes itself, and assertions
// for core::Result / core::Status that print the error when they fail.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"

namespace vouch::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents when the
// object goes away. Not copyable.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// "kConflict: claim exists: example.com" for failure messages.
std::string describe(const core::Error& e);
const char* code_name(core::ErrorCode c);

}  // namespace vouch::testing

// ASSERT_OK(expr) / EXPECT_OK(expr): expr is a core::Status or core::Result<T>.
#define VOUCH_TESTING_OK(expr, fail)                                                               \
  do {                                                                                             \
    const auto& vouch_ok_ = (expr);                                                                \
    if (!vouch_ok_.ok()) fail() << #expr << ": " << ::vouch::testing::describe(vouch_ok_.error()); \
  } while (0)
#define ASSERT_OK(expr) VOUCH_TESTING_OK(expr, FAIL)
#define EXPECT_OK(expr) VOUCH_TESTING_OK(expr, ADD_FAILURE)
