// SES v1 identity API (awsQuery): decodes the form, authenticates, calls one
// IdentityService operation, renders XML. No business rules here.
#pragma once

#include <string>
#include <unordered_map>

#include "api/authn.h"
#include "api/common/form.h"
#include "http/message.h"
#include "service/identity_service.h"
#include "service/verification_templates.h"

namespace vouch::api::ses {

class SesApi {
 public:
  SesApi(service::IdentityService& identities, Authenticator& auth);

  // Handles `POST /` (form body) or `GET /?Action=...`.
  http::HandlerResult handle(http::Request& req);
  // Custom verification email templates (ses_templates.cc); without them
  // those actions answer InvalidAction.
  void set_templates(service::VerificationTemplates* templates) { templates_ = templates; }

 private:
  struct Call {
    core::Scope scope;
    FormParams params;
    std::string request_id;
  };
  using Action = http::HandlerResult (SesApi::*)(Call&);
  // (scope, value, operation name): the service throttles by the operation.
  using StatusOp = core::Status (service::IdentityService::*)(const core::Scope&,
                                                              const std::string&,
                                                              const std::string&);

  // A durable write of one required parameter whose result is empty (or,
  // without `with_result`, absent).
  http::HandlerResult simple_write(Call& c, std::string_view param, std::string_view op,
                                   StatusOp fn, bool with_result);

  http::HandlerResult verify_domain_identity(Call& c);
  http::HandlerResult verify_email_identity(Call& c);
  http::HandlerResult verify_email_address(Call& c);
  http::HandlerResult get_identity_verification_attributes(Call& c);
  http::HandlerResult list_identities(Call& c);
  http::HandlerResult delete_identity(Call& c);
  http::HandlerResult list_verified_email_addresses(Call& c);
  http::HandlerResult delete_verified_email_address(Call& c);
  http::HandlerResult verify_domain_dkim(Call& c);
  http::HandlerResult get_identity_dkim_attributes(Call& c);
  // ses_templates.cc
  http::HandlerResult create_template(Call& c);
  http::HandlerResult get_template(Call& c);
  http::HandlerResult update_template(Call& c);
  http::HandlerResult delete_template(Call& c);
  http::HandlerResult list_templates(Call& c);
  http::HandlerResult send_custom_verification(Call& c);
  // MAIL FROM (ses_mail_from.cc).
  http::HandlerResult set_identity_mail_from_domain(Call& c);
  http::HandlerResult get_identity_mail_from_domain_attributes(Call& c);

  service::IdentityService& identities_;
  Authenticator& auth_;
  const std::unordered_map<std::string, Action> actions_;
  service::VerificationTemplates* templates_ = nullptr;
};

}  // namespace vouch::api::ses
