#include "api/control/webhooks_api.h"

#include "api/common/json.h"
#include "core/rfc3339.h"

namespace vouch::api::control {

using nlohmann::json;

namespace {

constexpr std::string_view kWebhooks = "/_vouch/webhooks";

http::Response not_found() {
  return error_response(404, "UnknownOperationException", {{"message", "Unknown operation"}});
}

json webhook_json(const core::Webhook& w) {
  return {{"id", w.id},
          {"url", w.url},
          {"event_types", w.event_types},
          {"created_at", core::format_rfc3339(w.created_at)}};
}

json health_json(const core::WebhookHealth& h) {
  return {{"delivered", h.delivered},
          {"failed", h.failed},
          {"pending", h.pending},
          {"last_attempt_at",
           h.last_attempt_at ? json(core::format_rfc3339(*h.last_attempt_at)) : json(nullptr)},
          {"last_error", h.last_error ? json(*h.last_error) : json(nullptr)}};
}

http::Response webhook_error(const core::Error& e) {
  if (e.code == core::ErrorCode::kQuotaExceeded) {
    return error_response(400, "LimitExceededException", {{"message", e.message}});
  }
  if (e.code == core::ErrorCode::kNotFound) {
    return error_response(404, "ResourceNotFoundException",
                          {{"message", e.message}, {"resourceId", e.resource_id}});
  }
  return error_response(e);
}

}  // namespace

bool WebhooksApi::owns(std::string_view path) {
  return path == kWebhooks || (path.size() > kWebhooks.size() + 1 &&
                               path.substr(0, kWebhooks.size() + 1) == "/_vouch/webhooks/");
}

http::HandlerResult WebhooksApi::handle(http::Request& req) {
  auto who = auth_.authenticate(req, Dialect::kRestJson, "");
  if (auto* err = std::get_if<auth::WireAuthError>(&who)) {
    return error_response(err->http_status, err->code, {{"message", err->message}});
  }
  const core::Scope scope = std::get<core::Scope>(who);
  const std::string_view path = req.path();
  if (path == kWebhooks) {
    if (req.method == "POST") return create(scope, req);
    if (req.method != "GET") return not_found();
    return http::Deferred([this, account = scope.account_id] {
      auto list = webhooks_.list(account);
      if (!list.ok()) return webhook_error(list.error());
      json items = json::array();
      for (const auto& s : *list) {
        json w = webhook_json(s.webhook);
        w["disabled"] = s.webhook.disabled;
        w["health"] = health_json(s.health);
        items.push_back(std::move(w));
      }
      return json_response(200, {{"webhooks", std::move(items)}});
    });
  }
  const std::string id(path.substr(kWebhooks.size() + 1));
  if (req.method != "DELETE" || id.find('/') != std::string::npos) return not_found();
  return http::Deferred([this, account = scope.account_id, id] {
    auto st = webhooks_.remove(account, id);
    if (!st.ok()) return webhook_error(st.error());
    http::Response r;
    r.status = 204;
    return r;
  });
}

http::HandlerResult WebhooksApi::create(const core::Scope& scope, const http::Request& req) {
  auto parsed = parse_json_body(req);
  if (auto* bad = std::get_if<http::Response>(&parsed)) return std::move(*bad);
  const json& body = std::get<json>(parsed);
  auto url = body.find("url");
  if (url == body.end() || !url->is_string()) {
    return validation_error("url is required and must be a string.", "fieldValidationFailed",
                            "url");
  }
  std::vector<std::string> types;
  if (auto t = body.find("event_types"); t != body.end() && !t->is_null()) {
    if (!t->is_array()) {
      return validation_error("event_types must be an array of strings.", "fieldValidationFailed",
                              "event_types");
    }
    for (const auto& e : *t) {
      // Four types exist: a longer list repeats or names unknown ones.
      if (!e.is_string() || types.size() >= 16) {
        return validation_error("event_types must be an array of up to 16 strings.",
                                "fieldValidationFailed", "event_types");
      }
      types.push_back(e.get<std::string>());
    }
  }
  return http::Deferred(
      [this, account = scope.account_id, u = url->get<std::string>(), types = std::move(types)] {
        auto w = webhooks_.create(account, u, types);
        if (!w.ok()) return webhook_error(w.error());
        json out = webhook_json(*w);
        out["secret"] = w->secret;
        return json_response(201, {{"webhook", std::move(out)}});
      });
}

}  // namespace vouch::api::control
