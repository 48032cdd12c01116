// SES v2 custom verification email (restJson1): the templates under
// /v2/email/custom-verification-email-templates[/{TemplateName}] and
// POST /v2/email/outbound-custom-verification-emails, over the template
// store SES v1 shares.

#include "api/common/form.h"
#include "api/common/json.h"
#include "api/sesv2/sesv2_api.h"
#include "api/sesv2/sesv2_wire.h"

namespace vouch::api::sesv2 {

using nlohmann::json;

namespace {

constexpr std::string_view kTemplates = "/v2/email/custom-verification-email-templates";
constexpr std::string_view kOutbound = "/v2/email/outbound-custom-verification-emails";

http::Response unknown_operation() {
  return json_error(404, "UnknownOperationException", "Unknown operation");
}

// v2 has no From or content errors of its own: BadRequestException, and for
// a send whose template's From lost its verification, the sending-identity
// error the model lists (MailFromDomainNotVerifiedException).
http::Response template_error(const core::Error& e, bool sending = false) {
  if (sending && e.code == core::ErrorCode::kInvalidArgument && e.field == service::kFromField) {
    return json_error(400, "MailFromDomainNotVerifiedException", e.message);
  }
  return error_response(e);
}

// The named string members of `body`, each required unless `optional`.
std::variant<std::vector<std::optional<std::string>>, http::Response> strings_of(
    const json& body, const std::vector<std::string_view>& names, bool optional = false) {
  std::vector<std::optional<std::string>> out;
  for (std::string_view name : names) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) {
      if (!optional) {
        return bad_request("1 validation error detected: Value null at '" + std::string(name) +
                           "' failed to satisfy constraint: Member must not be null");
      }
      out.emplace_back();
      continue;
    }
    if (!it->is_string())
      return bad_request("Value at '" + std::string(name) + "' must be a string.");
    out.emplace_back(it->get<std::string>());
  }
  return out;
}

json metadata_json(const core::VerificationTemplate& t) {
  return {{"TemplateName", t.name},
          {"FromEmailAddress", t.from},
          {"TemplateSubject", t.subject},
          {"SuccessRedirectionURL", t.success_url},
          {"FailureRedirectionURL", t.failure_url}};
}

const std::vector<std::string_view>& template_fields() {
  static const std::vector<std::string_view> fields = {"FromEmailAddress", "TemplateSubject",
                                                       "TemplateContent", "SuccessRedirectionURL",
                                                       "FailureRedirectionURL"};
  return fields;
}

}  // namespace

bool SesV2Api::is_template_path(std::string_view path) {
  return path == kTemplates || path == kOutbound ||
         (path.rfind(kTemplates, 0) == 0 && path.size() > kTemplates.size() + 1 &&
          path[kTemplates.size()] == '/');
}

http::HandlerResult SesV2Api::templates(const core::Scope& scope, const http::Request& req) {
  const std::string_view path = req.path();
  const std::string& m = req.method;
  const bool get = m == "GET" || m == "HEAD";
  if (path == kOutbound) {
    return m == "POST" ? send_custom_verification(scope, req) : unknown_operation();
  }
  if (path == kTemplates) {
    if (m == "POST") return create_template(scope, req);
    if (get) return list_templates(scope, req);
    return unknown_operation();
  }
  const std::string_view raw = path.substr(kTemplates.size() + 1);
  if (raw.find('/') != std::string_view::npos) return unknown_operation();
  auto name = url_decode(raw, false);
  if (!name) return bad_request("The TemplateName in the path is not valid percent-encoding.");
  if (get) {
    auto t = templates_->get(scope, *name);
    if (!t.ok()) return template_error(t.error());
    json body = metadata_json(*t);
    body["TemplateContent"] = t->content;
    return json_response(200, body);
  }
  if (m == "PUT") return update_template(scope, *name, req);
  if (m == "DELETE") {
    return http::Deferred([this, scope, name = *name] {
      auto removed = templates_->remove(scope, name);
      if (!removed.ok()) return template_error(removed.error());
      if (!*removed) {
        return json_error(404, "NotFoundException",
                          "Custom verification email template " + name + " does not exist.");
      }
      return json_response(200, json::object());
    });
  }
  return unknown_operation();
}

http::HandlerResult SesV2Api::create_template(const core::Scope& scope, const http::Request& req) {
  auto parsed = parse_json_body(req);
  if (auto* r = std::get_if<http::Response>(&parsed)) return std::move(*r);
  const json& body = std::get<json>(parsed);
  auto name = strings_of(body, {"TemplateName"});
  if (auto* r = std::get_if<http::Response>(&name)) return std::move(*r);
  auto fields = strings_of(body, template_fields());
  if (auto* r = std::get_if<http::Response>(&fields)) return std::move(*r);
  auto& f = std::get<0>(fields);
  core::VerificationTemplate t{scope, *std::get<0>(name)[0], *f[0], *f[1], *f[2], *f[3], *f[4], 0};
  // Tags on a template are accepted and not kept (nothing here reads them).
  return http::Deferred([this, t = std::move(t)] {
    auto st = templates_->create(t);
    if (!st.ok()) return template_error(st.error());
    return json_response(200, json::object());
  });
}

http::HandlerResult SesV2Api::update_template(const core::Scope& scope, const std::string& name,
                                              const http::Request& req) {
  auto parsed = parse_json_body(req);
  if (auto* r = std::get_if<http::Response>(&parsed)) return std::move(*r);
  auto fields = strings_of(std::get<json>(parsed), template_fields());  // all required in v2
  if (auto* r = std::get_if<http::Response>(&fields)) return std::move(*r);
  auto& f = std::get<0>(fields);
  service::TemplateChanges changes{f[0], f[1], f[2], f[3], f[4]};
  return http::Deferred([this, scope, name, changes = std::move(changes)] {
    auto st = templates_->update(scope, name, changes);
    if (!st.ok()) return template_error(st.error());
    return json_response(200, json::object());
  });
}

http::HandlerResult SesV2Api::list_templates(const core::Scope& scope, const http::Request& req) {
  auto q = page_query(req);
  if (auto* r = std::get_if<http::Response>(&q)) return std::move(*r);
  auto& query = std::get<PageQuery>(q);
  // An empty NextToken is the first page, as the SDKs' paginators send it.
  if (query.next_token && query.next_token->empty()) query.next_token.reset();
  auto page = templates_->list(scope, query.page_size, query.next_token);
  if (!page.ok()) {
    if (page.error().field == "MaxResults")
      return bad_request("PageSize must be between 1 and 50.");
    return template_error(page.error());
  }
  json items = json::array();
  for (const auto& t : page->items) items.push_back(metadata_json(t));  // no TemplateContent
  json body = {{"CustomVerificationEmailTemplates", std::move(items)}};
  if (page->next_token) body["NextToken"] = *page->next_token;
  return json_response(200, body);
}

http::HandlerResult SesV2Api::send_custom_verification(const core::Scope& scope,
                                                       const http::Request& req) {
  auto parsed = parse_json_body(req);
  if (auto* r = std::get_if<http::Response>(&parsed)) return std::move(*r);
  const json& body = std::get<json>(parsed);
  auto in = strings_of(body, {"EmailAddress", "TemplateName"});
  if (auto* r = std::get_if<http::Response>(&in)) return std::move(*r);
  auto set = strings_of(body, {"ConfigurationSetName"}, true);
  if (auto* r = std::get_if<http::Response>(&set)) return std::move(*r);
  if (const auto& s = std::get<0>(set)[0]; s && !s->empty()) {
    // No configuration sets exist here.
    return json_error(404, "NotFoundException", "Configuration set <" + *s + "> does not exist.");
  }
  auto& v = std::get<0>(in);
  return http::Deferred([this, scope, email = *v[0], name = *v[1]] {
    auto id = templates_->send(scope, email, name);
    if (!id.ok()) return template_error(id.error(), true);
    return json_response(200, {{"MessageId", *id}});
  });
}

}  // namespace vouch::api::sesv2
