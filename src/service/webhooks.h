// Webhook endpoints of an account (POST/GET/DELETE /_vouch/webhooks): the
// rules a registration must meet, and the id and signing secret it gets.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/random.h"
#include "core/store.h"

namespace vouch::service {

inline constexpr size_t kMaxWebhooksPerAccount = 10;
inline constexpr size_t kMaxWebhookUrl = 2048;

class Webhooks {
 public:
  Webhooks(core::WebhookStore& store, const core::Clock& clock, core::Random& random)
      : store_(store), clock_(clock), random_(random) {}

  // A new endpoint with a fresh id and secret: kInvalidArgument naming the
  // field for a bad URL or event type, kQuotaExceeded past
  // kMaxWebhooksPerAccount.
  core::Result<core::Webhook> create(const std::string& account_id, const std::string& url,
                                     const std::vector<std::string>& event_types);
  core::Result<std::vector<core::WebhookStatus>> list(const std::string& account_id);
  // kNotFound unless the account has that webhook.
  core::Status remove(const std::string& account_id, const std::string& id);

  // Why `url` cannot be a webhook's (http or https, a host, no userinfo, at
  // most kMaxWebhookUrl bytes, no spaces or controls); nullopt when it can.
  static std::optional<std::string> url_problem(std::string_view url);

 private:
  core::WebhookStore& store_;
  const core::Clock& clock_;
  core::Random& random_;
};

}  // namespace vouch::service
