// Custom verification email templates (SES v1 and v2 share them): their
// rules (names, URLs, content, the From address a verified identity, 50 per
// account and Region, once per second) and SendCustomVerificationEmail.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/store.h"
#include "service/identity_service.h"
#include "service/page_token.h"
#include "service/rate_limiter.h"

namespace vouch::service {

// What an Update sets; absent members stay (SES v1 Update takes any subset).
struct TemplateChanges {
  std::optional<std::string> from;
  std::optional<std::string> subject;
  std::optional<std::string> content;
  std::optional<std::string> success_url;
  std::optional<std::string> failure_url;
};

struct TemplatePage {
  std::vector<core::VerificationTemplate> items;
  std::optional<std::string> next_token;
};

// The error field that names what the API layers answer apart from a plain
// invalid parameter: the From address not verified, content refused.
inline constexpr std::string_view kFromField = "FromEmailAddress";
inline constexpr std::string_view kContentField = "TemplateContent";

class VerificationTemplates {
 public:
  // AWS's limits (SES Developer Guide, custom verification email FAQ Q1, Q5).
  static constexpr size_t kMaxTemplates = 50;                   // per account and Region
  static constexpr size_t kMaxContentBytes = 10 * 1024 * 1024;  // "may not exceed 10 MB"
  static constexpr size_t kMaxNameLength = 64;
  static constexpr size_t kMaxUrlLength = 2048;
  static constexpr int kMaxPage = 50;  // MaxResults / PageSize

  VerificationTemplates(core::Store& store, IdentityService& identities, RateLimiter& limiter,
                        const PageTokens& tokens);

  // kConflict for a taken name, kQuotaExceeded past kMaxTemplates.
  core::Status create(const core::VerificationTemplate& t);
  core::Result<core::VerificationTemplate> get(const core::Scope& scope, const std::string& name);
  core::Status update(const core::Scope& scope, const std::string& name,
                      const TemplateChanges& changes);
  // Whether it existed (v1 answers success either way, v2 NotFound).
  core::Result<bool> remove(const core::Scope& scope, const std::string& name);
  core::Result<TemplatePage> list(const core::Scope& scope, std::optional<int> max_items,
                                  const std::optional<std::string>& next_token);
  // Returns the MessageId.
  core::Result<std::string> send(const core::Scope& scope, const std::string& email,
                                 const std::string& template_name);

 private:
  // Every rule a stored template keeps (names, sizes, URLs, the From).
  core::Status validate(const core::VerificationTemplate& t);

  core::Store& store_;
  IdentityService& identities_;
  RateLimiter& limiter_;
  const PageTokens& tokens_;
};

// AWS's rules, shared with tests: 1-64 of A-Z a-z 0-9 _ -.
bool valid_template_name(const std::string& name);
// An absolute http or https URL with a host, no spaces or control characters.
bool valid_redirect_url(const std::string& url);
// The first HTML tag in `html` that custom verification emails may not use
// (the Developer Guide's list), or empty when every tag is allowed.
std::string disallowed_tag(const std::string& html);

}  // namespace vouch::service
