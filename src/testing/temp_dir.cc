#include "testing/temp_dir.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace vouch::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/vouch-test-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << tmpl;
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

const char* code_name(core::ErrorCode c) {
  switch (c) {
    case core::ErrorCode::kInvalidArgument: return "kInvalidArgument";
    case core::ErrorCode::kNotFound: return "kNotFound";
    case core::ErrorCode::kConflict: return "kConflict";
    case core::ErrorCode::kQuotaExceeded: return "kQuotaExceeded";
    case core::ErrorCode::kThrottled: return "kThrottled";
    case core::ErrorCode::kUnavailable: return "kUnavailable";
    case core::ErrorCode::kAborted: return "kAborted";
    case core::ErrorCode::kInternal: return "kInternal";
  }
  return "?";
}

std::string describe(const core::Error& e) {
  std::string s = std::string(code_name(e.code)) + ": " + e.message;
  if (!e.resource_id.empty()) s += " [resource " + e.resource_id + "]";
  if (!e.field.empty()) s += " [field " + e.field + "]";
  return s;
}

}  // namespace vouch::testing
