// SES v2 MAIL FROM: PutEmailIdentityMailFromAttributes and the
// MailFromAttributes of GetEmailIdentity.
#include "api/common/json.h"
#include "api/sesv2/sesv2_api.h"
#include "api/sesv2/sesv2_wire.h"

namespace vouch::api::sesv2 {

using nlohmann::json;

namespace {

std::string_view mail_from_status_name(service::MailFromStatus s) {
  switch (s) {
    case service::MailFromStatus::kPending: return "PENDING";
    case service::MailFromStatus::kSuccess: return "SUCCESS";
    case service::MailFromStatus::kFailed: return "FAILED";
    case service::MailFromStatus::kTemporaryFailure: return "TEMPORARY_FAILURE";
  }
  return "PENDING";
}

}  // namespace

void write_mail_from(JsonWriter& w, const service::MailFromView& m) {
  w.key("MailFromAttributes").begin_object();
  w.key("BehaviorOnMxFailure")
      .string(m.reject_on_mx_failure ? "REJECT_MESSAGE" : "USE_DEFAULT_VALUE");
  if (!m.domain.empty()) {
    w.key("MailFromDomain").string(m.domain);
    w.key("MailFromDomainStatus").string(mail_from_status_name(m.status));
  }
  w.end_object();
}

http::HandlerResult SesV2Api::put_mail_from(const core::Scope& scope, const std::string& id,
                                            const http::Request& req) {
  auto parsed = parse_json_body(req);
  if (auto* r = std::get_if<http::Response>(&parsed)) return std::move(*r);
  const json& body = std::get<json>(parsed);
  std::string domain;  // absent or empty: cleared
  if (auto d = body.find("MailFromDomain"); d != body.end() && !d->is_null()) {
    if (!d->is_string()) return bad_request("Value at 'MailFromDomain' must be a string.");
    domain = d->get<std::string>();
  }
  bool reject = false;
  if (auto b = body.find("BehaviorOnMxFailure"); b != body.end() && !b->is_null()) {
    const std::string v = b->is_string() ? b->get<std::string>() : "";
    if (v != "USE_DEFAULT_VALUE" && v != "REJECT_MESSAGE") {
      return bad_request("1 validation error detected: Value '" + (b->is_string() ? v : b->dump()) +
                         "' at 'behaviorOnMxFailure' failed to satisfy constraint: Member must "
                         "satisfy enum value set: [USE_DEFAULT_VALUE, REJECT_MESSAGE]");
    }
    reject = v == "REJECT_MESSAGE";
  }
  return http::Deferred([this, scope, id, domain, reject] {
    auto st = identities_.set_mail_from(scope, id, domain, reject,
                                        "PutEmailIdentityMailFromAttributes");
    if (!st.ok()) return error_response(st.error());
    return json_response(200, json::object());
  });
}

}  // namespace vouch::api::sesv2
