#include "api/control/events_api.h"

#include <charconv>

#include "api/common/form.h"
#include "api/common/json.h"
#include "core/event_json.h"

namespace vouch::api::control {

using nlohmann::json;

namespace {
constexpr std::string_view kEvents = "/_vouch/events";
constexpr size_t kDefaultLimit = 100;
}  // namespace

bool EventsApi::owns(std::string_view path) { return path == kEvents || WebhooksApi::owns(path); }

http::HandlerResult EventsApi::handle(http::Request& req) {
  if (req.path() != kEvents) {
    if (!webhooks_) {
      return error_response(404, "UnknownOperationException", {{"message", "Unknown operation"}});
    }
    return webhooks_->handle(req);
  }
  auto who = auth_.authenticate(req, Dialect::kRestJson, "");
  if (auto* err = std::get_if<auth::WireAuthError>(&who)) {
    return error_response(err->http_status, err->code, {{"message", err->message}});
  }
  if (req.method != "GET") {
    return error_response(404, "UnknownOperationException", {{"message", "Unknown operation"}});
  }
  const core::Scope scope = std::get<core::Scope>(who);
  auto q = parse_form(req.query(), false);
  if (!q) return validation_error("Malformed query string.", "fieldValidationFailed", "");
  size_t limit = kDefaultLimit;
  if (const std::string* l = q->get("limit")) {
    auto [end, ec] = std::from_chars(l->data(), l->data() + l->size(), limit);
    if (ec != std::errc() || end != l->data() + l->size()) limit = 0;  // refused below
  }
  std::optional<std::string> token;
  if (const std::string* t = q->get("next_token")) token = *t;
  return http::Deferred([this, scope, token, limit] {
    auto page = feed_.list(scope, token, limit);
    if (!page.ok()) return error_response(page.error());
    json items = json::array();
    for (const auto& e : page->events) items.push_back(core::event_json(e));
    json body{{"events", std::move(items)}};
    if (page->next_token) body["next_token"] = *page->next_token;
    return json_response(200, body);
  });
}

}  // namespace vouch::api::control
