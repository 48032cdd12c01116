#include "service/webhooks.h"

#include <algorithm>
#include <cctype>

#include "core/encoding.h"
#include "core/event_json.h"

namespace vouch::service {

namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

std::string random_hex(core::Random& random, size_t bytes) {
  std::vector<uint8_t> b(bytes);
  random.fill(b);
  return core::hex_encode(b);
}

// Whether `port` (after the host's ':') is 1..65535 in digits.
bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const int n = std::stoi(std::string(port));
  return n >= 1 && n <= 65535;
}

}  // namespace

std::optional<std::string> Webhooks::url_problem(std::string_view url) {
  if (url.size() > kMaxWebhookUrl) {
    return "url must be at most " + std::to_string(kMaxWebhookUrl) + " bytes.";
  }
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return "url must not contain spaces or control characters.";
  }
  size_t rest = 0;
  if (starts_with_nocase(url, "https://")) {
    rest = 8;
  } else if (starts_with_nocase(url, "http://")) {
    rest = 7;
  } else {
    return "url must be an http:// or https:// URL.";
  }
  std::string_view authority = url.substr(rest);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return "url must not contain a user name or password.";
  }
  std::string_view host = authority;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos || close == 1) return "url has a malformed IPv6 host.";
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') return "url has a malformed IPv6 host.";
      port = host.substr(close + 2);
      if (!valid_port(port)) return "url has an invalid port.";
    }
    return std::nullopt;
  }
  if (const size_t colon = host.find(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (!valid_port(port)) return "url has an invalid port.";
  }
  if (host.empty()) return "url must name a host.";
  return std::nullopt;
}

core::Result<core::Webhook> Webhooks::create(const std::string& account_id, const std::string& url,
                                             const std::vector<std::string>& event_types) {
  if (auto problem = url_problem(url)) return core::invalid_argument(*problem, "url");
  std::vector<std::string> types;
  for (const auto& t : event_types) {
    if (!core::is_event_type(t)) {
      return core::invalid_argument(
          "event_types: unknown event type (expected ses.identity.status_changed, "
          "ses.dkim.status_changed, ses.mail_from.status_changed or "
          "vpc-lattice.domain_verification.status_changed).",
          "event_types");
    }
    if (std::find(types.begin(), types.end(), t) == types.end()) types.push_back(t);
  }
  core::Webhook w;
  w.id = "wh-" + random_hex(random_, 8);
  w.account_id = account_id;
  w.url = url;
  w.event_types = std::move(types);
  w.secret = "whsec_" + random_hex(random_, 32);
  // Milliseconds, as the wire shows it.
  w.created_at = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.now());
  auto stored = store_.insert_webhook(std::move(w), kMaxWebhooksPerAccount);
  if (!stored.ok() && stored.error().code == core::ErrorCode::kQuotaExceeded) {
    return core::Error{
        core::ErrorCode::kQuotaExceeded,
        "An account can have at most " + std::to_string(kMaxWebhooksPerAccount) + " webhooks.",
        {},
        {}};
  }
  return stored;
}

core::Result<std::vector<core::WebhookStatus>> Webhooks::list(const std::string& account_id) {
  return store_.list_webhooks(account_id);
}

core::Status Webhooks::remove(const std::string& account_id, const std::string& id) {
  auto gone = store_.delete_webhook(account_id, id);
  if (!gone.ok()) return gone.error();
  if (!*gone) {
    return core::Error{core::ErrorCode::kNotFound, "Webhook " + id + " not found.", id, {}};
  }
  return {};
}

}  // namespace vouch::service
