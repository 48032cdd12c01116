// SES v1 MAIL FROM: SetIdentityMailFromDomain and
// GetIdentityMailFromDomainAttributes (awsQuery).
#include "api/ses/ses_api.h"
#include "api/ses/ses_wire.h"
#include "api/ses/xml.h"

namespace vouch::api::ses {

namespace {

std::string_view mail_from_status_name(service::MailFromStatus s) {
  switch (s) {
    case service::MailFromStatus::kPending: return "Pending";
    case service::MailFromStatus::kSuccess: return "Success";
    case service::MailFromStatus::kFailed: return "Failed";
    case service::MailFromStatus::kTemporaryFailure: return "TemporaryFailure";
  }
  return "Pending";
}

}  // namespace

http::HandlerResult SesApi::set_identity_mail_from_domain(Call& c) {
  const std::string* identity = c.params.get("Identity");
  if (!identity) {
    return error_response(400, "MissingParameter",
                          "The request must contain the parameter Identity.", c.request_id);
  }
  bool reject = false;
  if (const std::string* b = c.params.get("BehaviorOnMXFailure")) {
    if (*b != "UseDefaultValue" && *b != "RejectMessage") {
      return error_response(400, "ValidationError",
                            "1 validation error detected: Value '" + *b +
                                "' at 'behaviorOnMXFailure' failed to satisfy constraint: Member "
                                "must satisfy enum value set: [RejectMessage, UseDefaultValue]",
                            c.request_id);
    }
    reject = *b == "RejectMessage";
  }
  const std::string* mail_from = c.params.get("MailFromDomain");
  return http::Deferred([this, scope = c.scope, identity = *identity,
                         mail_from = mail_from ? *mail_from : std::string(), reject,
                         rid = c.request_id] {
    auto st = identities_.set_mail_from(scope, identity, mail_from, reject,
                                        "SetIdentityMailFromDomain");
    if (!st.ok()) return error_response(st.error(), rid);
    return ok_response("SetIdentityMailFromDomain", "", rid);
  });
}

http::HandlerResult SesApi::get_identity_mail_from_domain_attributes(Call& c) {
  std::vector<std::string> ids = c.params.list("Identities");
  if (ids.empty() && !c.params.get("Identities")) {
    return error_response(400, "MissingParameter",
                          "The request must contain the parameter Identities.", c.request_id);
  }
  auto attrs = identities_.get_mail_from_attributes(c.scope, ids);
  if (!attrs.ok()) return error_response(attrs.error(), c.request_id);
  XmlWriter x;
  if (attrs->empty()) {
    x.empty("MailFromDomainAttributes");
  } else {
    x.open("MailFromDomainAttributes");
    for (const auto& [name, view] : *attrs) {
      x.open("entry").leaf("key", name).open("value");
      x.leaf("BehaviorOnMXFailure",
             view.reject_on_mx_failure ? "RejectMessage" : "UseDefaultValue");
      if (!view.domain.empty()) {
        x.leaf("MailFromDomain", view.domain);
        x.leaf("MailFromDomainStatus", mail_from_status_name(view.status));
      }
      x.close("value").close("entry");
    }
    x.close("MailFromDomainAttributes");
  }
  return ok_response("GetIdentityMailFromDomainAttributes", x.take(), c.request_id);
}

}  // namespace vouch::api::ses
