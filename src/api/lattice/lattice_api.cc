#include "api/lattice/lattice_api.h"

#include <charconv>

#include "api/common/form.h"
#include "api/common/json.h"
#include "api/lattice/lattice_wire.h"

namespace vouch::api::lattice {

using nlohmann::json;

namespace {

constexpr std::string_view kVerifications = "/domainverifications";
constexpr std::string_view kTags = "/tags/";

http::Response unknown_operation() {
  return error_response(404, "UnknownOperationException", {{"message", "Unknown operation"}});
}

std::string null_message(std::string_view field) {
  return "1 validation error detected: Value null at '" + std::string(field) +
         "' failed to satisfy constraint: Member must not be null";
}

// A map of string to string, or the validation error for `field`.
std::variant<core::Tags, http::Response> tags_from(const json& j, std::string_view field) {
  core::Tags tags;
  if (!j.is_object()) {
    return validation_error("Value at '" + std::string(field) + "' must be a map of strings.",
                            "fieldValidationFailed", field);
  }
  for (auto& [k, v] : j.items()) {
    if (!v.is_string()) {
      return validation_error("Value of tag '" + k + "' must be a string.", "fieldValidationFailed",
                              std::string(field) + "." + k);
    }
    tags.emplace(k, v.get<std::string>());
  }
  return tags;
}

std::optional<FormParams> query_params(const http::Request& req) {
  return parse_form(req.query(), false);
}

}  // namespace

LatticeApi::LatticeApi(service::LatticeService& service, Authenticator& auth)
    : service_(service), auth_(auth) {}

bool LatticeApi::owns(std::string_view path) {
  return (path.starts_with(kVerifications) &&
          (path.size() == kVerifications.size() || path[kVerifications.size()] == '/')) ||
         path.starts_with(kTags);
}

http::HandlerResult LatticeApi::handle(http::Request& req) {
  auto who = auth_.authenticate(req, Dialect::kRestJson, "vpc-lattice");
  if (auto* err = std::get_if<auth::WireAuthError>(&who)) {
    return error_response(err->http_status, err->code, {{"message", err->message}});
  }
  const core::Scope& scope = std::get<core::Scope>(who);
  std::string_view path = req.path();
  const std::string& m = req.method;
  if (path.starts_with(kVerifications) && path.size() <= kVerifications.size() + 1 &&
      (path.size() == kVerifications.size() || path.back() == '/')) {
    if (m == "POST") return start(scope, req);
    if (m == "GET") return list(scope, req);
    return unknown_operation();
  }
  // One label after the prefix; %2F inside it does not split it.
  const bool tags = path.rfind(kTags, 0) == 0;
  std::string_view raw = path.substr(tags ? kTags.size() : kVerifications.size() + 1);
  if (raw.empty() || raw.find('/') != std::string_view::npos) return unknown_operation();
  auto label = url_decode(raw, false);
  if (!label)
    return validation_error("The resource identifier in the path is not valid percent-encoding.",
                            "cannotParse");
  if (tags) {
    if (m == "POST") return tag(scope, *label, req);
    if (m == "DELETE") return untag(scope, *label, req);
    if (m == "GET") return list_tags(scope, *label);
    return unknown_operation();
  }
  if (m == "GET") return get(scope, *label);
  if (m == "DELETE") return remove(scope, *label);
  return unknown_operation();
}

http::HandlerResult LatticeApi::start(const core::Scope& scope, const http::Request& req) {
  auto parsed = parse_json_body(req);
  if (auto* r = std::get_if<http::Response>(&parsed)) return std::move(*r);
  const json& body = std::get<json>(parsed);
  service::StartRequest in;
  auto domain = body.find("domainName");
  if (domain == body.end() || domain->is_null()) {
    return validation_error(null_message("domainName"), "fieldValidationFailed", "domainName");
  }
  if (!domain->is_string()) {
    return validation_error("Value at 'domainName' must be a string.", "fieldValidationFailed",
                            "domainName");
  }
  in.domain_name = domain->get<std::string>();
  if (auto t = body.find("clientToken"); t != body.end() && !t->is_null()) {
    if (!t->is_string()) {
      return validation_error("Value at 'clientToken' must be a string.", "fieldValidationFailed",
                              "clientToken");
    }
    in.client_token = t->get<std::string>();
  }
  if (auto t = body.find("tags"); t != body.end() && !t->is_null()) {
    auto tags = tags_from(*t, "tags");
    if (auto* r = std::get_if<http::Response>(&tags)) return std::move(*r);
    in.tags = std::move(std::get<core::Tags>(tags));
  }
  return http::Deferred([this, scope, in = std::move(in)]() mutable {
    auto result = service_.start(scope, std::move(in),
                                 [](const core::Claim& c) { return start_json(c).dump(); });
    if (!result.ok()) return error_response(result.error());
    if (result->created) return json_response(201, start_json(*result->created));
    return http::Response{201, "application/json", {}, result->replayed_response};
  });
}

http::HandlerResult LatticeApi::list(const core::Scope& scope, const http::Request& req) {
  auto q = query_params(req);
  if (!q) return validation_error("The query string could not be parsed.", "cannotParse");
  std::optional<int> max_results;
  if (const std::string* m = q->get("maxResults")) {
    int v = 0;
    auto [end, ec] = std::from_chars(m->data(), m->data() + m->size(), v);
    if (ec != std::errc() || end != m->data() + m->size()) {
      return validation_error(
          "1 validation error detected: Value '" + *m +
              "' at 'maxResults' failed to satisfy constraint: Member must be an integer",
          "fieldValidationFailed", "maxResults");
    }
    max_results = v;
  }
  std::optional<std::string> next;
  if (const std::string* n = q->get("nextToken")) next = *n;
  auto page = service_.list(scope, max_results, next);
  if (!page.ok()) return error_response(page.error());
  json items = json::array();
  for (const auto& c : page->items) items.push_back(claim_json(c));
  json body{{"items", std::move(items)}};
  if (page->next_token) body["nextToken"] = *page->next_token;
  return json_response(200, body);
}

http::HandlerResult LatticeApi::get(const core::Scope& scope, const std::string& id) {
  auto claim = service_.get(scope, id);
  if (!claim.ok()) return error_response(claim.error());
  if (auto text = claim_json_text(*claim)) {
    return http::Response{200, "application/json", {}, std::move(*text)};
  }
  return json_response(200, claim_json(*claim));
}

http::HandlerResult LatticeApi::remove(const core::Scope& scope, const std::string& id) {
  return http::Deferred([this, scope, id] {
    auto st = service_.remove(scope, id);
    if (!st.ok()) return error_response(st.error());
    return json_response(200, json::object());
  });
}

http::HandlerResult LatticeApi::tag(const core::Scope& scope, const std::string& arn,
                                    const http::Request& req) {
  auto parsed = parse_json_body(req);
  if (auto* r = std::get_if<http::Response>(&parsed)) return std::move(*r);
  const json& body = std::get<json>(parsed);
  auto t = body.find("tags");
  if (t == body.end() || t->is_null()) {
    return validation_error(null_message("tags"), "fieldValidationFailed", "tags");
  }
  auto tags = tags_from(*t, "tags");
  if (auto* r = std::get_if<http::Response>(&tags)) return std::move(*r);
  return http::Deferred([this, scope, arn, tags = std::move(std::get<core::Tags>(tags))] {
    auto st = service_.tag(scope, arn, tags);
    if (!st.ok()) return error_response(st.error());
    return json_response(200, json::object());
  });
}

http::HandlerResult LatticeApi::untag(const core::Scope& scope, const std::string& arn,
                                      const http::Request& req) {
  auto q = query_params(req);
  if (!q) return validation_error("The query string could not be parsed.", "cannotParse");
  std::vector<std::string> keys;
  bool present = false;
  for (const auto& [k, v] : q->items) {
    if (k == "tagKeys") {
      present = true;
      keys.push_back(v);
    }
  }
  if (!present)
    return validation_error(null_message("tagKeys"), "fieldValidationFailed", "tagKeys");
  return http::Deferred([this, scope, arn, keys = std::move(keys)] {
    auto st = service_.untag(scope, arn, keys);
    if (!st.ok()) return error_response(st.error());
    return json_response(200, json::object());
  });
}

http::HandlerResult LatticeApi::list_tags(const core::Scope& scope, const std::string& arn) {
  auto tags = service_.list_tags(scope, arn);
  if (!tags.ok()) return error_response(tags.error());
  return json_response(200, json{{"tags", json(*tags)}});
}

}  // namespace vouch::api::lattice
