#include "api/sesv2/sesv2_api.h"

#include "api/common/form.h"
#include "api/common/json.h"
#include "api/sesv2/sesv2_dkim.h"
#include "api/sesv2/sesv2_wire.h"

namespace vouch::api::sesv2 {

using nlohmann::json;

namespace {

constexpr std::string_view kPrefix = "/v2/email/";
constexpr std::string_view kIdentities = "/v2/email/identities";
constexpr std::string_view kTags = "/v2/email/tags";
// botocore before 1.31 (and the AWS CLI v1 that bundles it) sends
// PutEmailIdentityDkimSigningAttributes under /v1/, as the model once said;
// AWS serves it there too.
constexpr std::string_view kV1Identities = "/v1/email/identities/";
constexpr std::string_view kSigning = "/dkim/signing";
// Newer SDKs list with POST and a JSON body (with a Filter); older ones GET.
constexpr std::string_view kListIdentities = "/v2/email/list-identities";

// HEAD is answered as GET (the server leaves the body out).
bool is_get(const http::Request& req) { return req.method == "GET" || req.method == "HEAD"; }

http::Response unknown_operation() {
  return json_error(404, "UnknownOperationException", "Unknown operation");
}

http::Response null_member(std::string_view field) {
  return bad_request("1 validation error detected: Value null at '" + std::string(field) +
                     "' failed to satisfy constraint: Member must not be null");
}

http::Response not_a(std::string_view field, std::string_view what) {
  return bad_request("Value at '" + std::string(field) + "' must be " + std::string(what) + ".");
}

// Tags: [{"Key": k, "Value": v}, ...], or the error to send.
std::variant<core::Tags, http::Response> tags_from(const json& j) {
  if (!j.is_array()) return not_a("Tags", "a list of tags");
  core::Tags tags;
  for (const auto& t : j) {
    if (!t.is_object()) return not_a("Tags", "a list of tags");
    auto k = t.find("Key");
    auto v = t.find("Value");
    if (k == t.end() || k->is_null()) return null_member("Tags.member.Key");
    if (v == t.end() || v->is_null()) return null_member("Tags.member.Value");
    if (!k->is_string() || !v->is_string()) return not_a("Tags.member", "a pair of strings");
    tags[k->get<std::string>()] = v->get<std::string>();
  }
  return tags;
}

// A required string member of `body`, or the error to send.
std::variant<std::string, http::Response> string_member(const json& body, std::string_view name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return null_member(name);
  if (!it->is_string()) return not_a(name, "a string");
  return it->get<std::string>();
}

}  // namespace

SesV2Api::SesV2Api(service::IdentityService& identities, Authenticator& auth)
    : identities_(identities), auth_(auth) {}

bool SesV2Api::owns(std::string_view path) {
  return path.rfind(kPrefix, 0) == 0 || path.rfind(kV1Identities, 0) == 0;
}

http::HandlerResult SesV2Api::handle(http::Request& req) {
  auto who = auth_.authenticate(req, Dialect::kRestJson, "ses");
  if (auto* err = std::get_if<auth::WireAuthError>(&who)) {
    return api::error_response(err->http_status, err->code, {{"message", err->message}});
  }
  const core::Scope& scope = std::get<core::Scope>(who);
  std::string_view path = req.path();
  if (path.rfind(kV1Identities, 0) == 0) {
    const std::string_view rest = path.substr(kV1Identities.size());
    if (!rest.ends_with(kSigning) || req.method != "PUT") return unknown_operation();
    return identity(scope, req, rest);
  }
  if (path == kTags) return tags(scope, req);
  if (templates_ && is_template_path(path)) return templates(scope, req);
  if (path == kListIdentities) {
    if (req.method == "POST") return list_posted(scope, req);
    return unknown_operation();
  }
  if (path == kIdentities) {
    if (req.method == "POST") return create(scope, req);
    if (is_get(req)) return list(scope, req);
    return unknown_operation();
  }
  if (path.rfind(std::string(kIdentities) + "/", 0) == 0)
    return identity(scope, req, path.substr(kIdentities.size() + 1));
  return unknown_operation();
}

// /v2/email/identities/{EmailIdentity}[/dkim[/signing]]: one percent-encoded label
// (%2F inside it does not split it).
http::HandlerResult SesV2Api::identity(const core::Scope& scope, const http::Request& req,
                                       std::string_view rest) {
  const size_t slash = rest.find('/');
  const std::string_view raw = rest.substr(0, slash);
  const std::string_view sub = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (raw.empty()) return unknown_operation();
  auto label = url_decode(raw, false);
  if (!label) return bad_request("The EmailIdentity in the path is not valid percent-encoding.");
  const std::string& m = req.method;
  if (sub.empty() && is_get(req)) {
    auto e = identities_.get_email_identity(scope, *label);
    if (!e.ok()) return error_response(e.error());
    return http::Response{200, "application/json", {}, identity_body(*e)};
  }
  if (sub.empty() && m == "DELETE") {
    return http::Deferred([this, scope, id = *label] {
      auto st = identities_.delete_email_identity(scope, id);
      if (!st.ok()) return error_response(st.error());
      return json_response(200, json::object());
    });
  }
  if (sub == "/dkim" && m == "PUT") return put_dkim(scope, *label, req);
  if (sub == kSigning && m == "PUT") return put_dkim_signing(scope, *label, req);
  if (sub == "/mail-from" && m == "PUT") return put_mail_from(scope, *label, req);
  return unknown_operation();
}

http::HandlerResult SesV2Api::create(const core::Scope& scope, const http::Request& req) {
  auto parsed = parse_json_body(req);
  if (auto* r = std::get_if<http::Response>(&parsed)) return std::move(*r);
  const json& body = std::get<json>(parsed);
  service::CreateEmailIdentityRequest in;
  auto name = string_member(body, "EmailIdentity");
  if (auto* r = std::get_if<http::Response>(&name)) return std::move(*r);
  in.identity = std::move(std::get<std::string>(name));
  if (auto t = body.find("Tags"); t != body.end() && !t->is_null()) {
    auto tags = tags_from(*t);
    if (auto* r = std::get_if<http::Response>(&tags)) return std::move(*r);
    in.tags = std::move(std::get<core::Tags>(tags));
  }
  if (auto d = body.find("DkimSigningAttributes"); d != body.end() && !d->is_null()) {
    if (auto r = read_create_dkim(*d, in)) return std::move(*r);
  }
  if (auto c = body.find("ConfigurationSetName"); c != body.end() && !c->is_null()) {
    // No configuration sets exist here, and AWS creates nothing for an unknown one.
    if (!c->is_string()) return not_a("ConfigurationSetName", "a string");
    return json_error(404, "NotFoundException",
                      "Configuration set <" + c->get<std::string>() + "> does not exist.");
  }
  return http::Deferred([this, scope, in = std::move(in)]() mutable {
    auto e = identities_.create_email_identity(scope, std::move(in));
    if (!e.ok()) return error_response(e.error());
    return http::Response{200, "application/json", {}, create_body(*e)};
  });
}

http::HandlerResult SesV2Api::list(const core::Scope& scope, const http::Request& req) {
  auto q = page_query(req);
  if (auto* r = std::get_if<http::Response>(&q)) return std::move(*r);
  auto& page = std::get<PageQuery>(q);
  return list_page(scope, page.page_size, page.next_token, {});
}

http::HandlerResult SesV2Api::list_posted(const core::Scope& scope, const http::Request& req) {
  auto parsed = parse_json_body(req);
  if (auto* r = std::get_if<http::Response>(&parsed)) return std::move(*r);
  const json& body = std::get<json>(parsed);
  std::optional<int> page_size;
  if (auto p = body.find("PageSize"); p != body.end() && !p->is_null()) {
    if (!p->is_number_integer()) return not_a("PageSize", "an integer");
    const auto v = p->get<int64_t>();
    if (v < 0 || v > 1000) return bad_request("PageSize must be between 0 and 1000.");
    page_size = static_cast<int>(v);
  }
  std::optional<std::string> next;
  if (auto n = body.find("NextToken"); n != body.end() && !n->is_null()) {
    if (!n->is_string()) return not_a("NextToken", "a string");
    next = n->get<std::string>();
  }
  service::EmailIdentityFilter filter;
  if (auto f = body.find("Filter"); f != body.end() && !f->is_null()) {
    if (!f->is_object()) return not_a("Filter", "a map");
    for (const auto& [key, value] : f->items()) {
      if (!value.is_string()) return not_a("Filter." + key, "a string");
      const std::string v = value.get<std::string>();
      if (key == "IDENTITY_NAME_CONTAINS") {
        filter.name_contains = v;
      } else if (key == "IDENTITY_TYPE") {
        if (v == "EMAIL_ADDRESS") filter.kind = core::ClaimKind::kSesEmail;
        else if (v == "DOMAIN") filter.kind = core::ClaimKind::kSesDomain;
        else if (v == "MANAGED_DOMAIN") filter.match_none = true;
        else return bad_request("Invalid IDENTITY_TYPE filter value: " + v + ".");
      } else if (key == "VERIFICATION_STATUS") {
        auto status = status_of(v);
        if (status) filter.status = *status;
        else if (v == "NOT_STARTED") filter.match_none = true;
        else return bad_request("Invalid VERIFICATION_STATUS filter value: " + v + ".");
      } else {
        return bad_request("Invalid filter key: " + key + ".");
      }
    }
  }
  return list_page(scope, page_size, next, filter);
}

http::HandlerResult SesV2Api::list_page(const core::Scope& scope, std::optional<int> page_size,
                                        const std::optional<std::string>& next,
                                        const service::EmailIdentityFilter& filter) {
  auto page = identities_.list_email_identities(scope, page_size, next, filter);
  if (!page.ok()) return error_response(page.error());
  json items = json::array();
  for (const auto& s : page->items) items.push_back(summary_json(s));
  json body{{"EmailIdentities", std::move(items)}};
  if (page->next_token) body["NextToken"] = *page->next_token;
  return json_response(200, body);
}

http::HandlerResult SesV2Api::put_dkim(const core::Scope& scope, const std::string& id,
                                       const http::Request& req) {
  auto parsed = parse_json_body(req);
  if (auto* r = std::get_if<http::Response>(&parsed)) return std::move(*r);
  const json& body = std::get<json>(parsed);
  bool enabled = false;  // SDKs leave a false boolean out
  if (auto s = body.find("SigningEnabled"); s != body.end() && !s->is_null()) {
    if (!s->is_boolean()) return not_a("SigningEnabled", "a boolean");
    enabled = s->get<bool>();
  }
  return http::Deferred([this, scope, id, enabled] {
    auto st = identities_.put_dkim_signing(scope, id, enabled);
    if (!st.ok()) return error_response(st.error());
    return json_response(200, json::object());
  });
}

http::HandlerResult SesV2Api::put_dkim_signing(const core::Scope& scope, const std::string& id,
                                               const http::Request& req) {
  auto parsed = parse_json_body(req);
  if (auto* r = std::get_if<http::Response>(&parsed)) return std::move(*r);
  auto in = read_signing_request(std::get<json>(parsed));
  if (auto* r = std::get_if<http::Response>(&in)) return std::move(*r);
  return http::Deferred(
      [this, scope, id, in = std::move(std::get<service::DkimSigningRequest>(in))]() mutable {
        auto dkim = identities_.put_dkim_signing_attributes(scope, id, std::move(in));
        if (!dkim.ok()) return error_response(dkim.error());
        return json_response(200, signing_response_json(*dkim));
      });
}

// /v2/email/tags: POST TagResource, DELETE UntagResource, GET ListTagsForResource.
http::HandlerResult SesV2Api::tags(const core::Scope& scope, const http::Request& req) {
  if (req.method == "POST") return tag(scope, req);
  if (!is_get(req) && req.method != "DELETE") return unknown_operation();
  auto q = parse_form(req.query(), false);
  if (!q) return bad_request("The query string could not be parsed.");
  const std::string* arn = q->get("ResourceArn");
  if (!arn) return null_member("ResourceArn");
  if (is_get(req)) {
    auto tags = identities_.identity_tags(scope, *arn);
    if (!tags.ok()) return error_response(tags.error());
    return json_response(200, json{{"Tags", tags_json(*tags)}});
  }
  std::vector<std::string> keys;
  for (const auto& [k, v] : q->items) {
    if (k == "TagKeys") keys.push_back(v);
  }
  if (keys.empty()) return null_member("TagKeys");
  return http::Deferred([this, scope, arn = *arn, keys = std::move(keys)] {
    auto st = identities_.untag_identity(scope, arn, keys);
    if (!st.ok()) return error_response(st.error());
    return json_response(200, json::object());
  });
}

http::HandlerResult SesV2Api::tag(const core::Scope& scope, const http::Request& req) {
  auto parsed = parse_json_body(req);
  if (auto* r = std::get_if<http::Response>(&parsed)) return std::move(*r);
  const json& body = std::get<json>(parsed);
  auto arn = string_member(body, "ResourceArn");
  if (auto* r = std::get_if<http::Response>(&arn)) return std::move(*r);
  auto t = body.find("Tags");
  if (t == body.end() || t->is_null()) return null_member("Tags");
  auto tags = tags_from(*t);
  if (auto* r = std::get_if<http::Response>(&tags)) return std::move(*r);
  return http::Deferred([this, scope, arn = std::move(std::get<std::string>(arn)),
                         tags = std::move(std::get<core::Tags>(tags))] {
    auto st = identities_.tag_identity(scope, arn, tags);
    if (!st.ok()) return error_response(st.error());
    return json_response(200, json::object());
  });
}

}  // namespace vouch::api::sesv2
