// SES v2 identity API (restJson1 under /v2/email/): routes by method and
// path, authenticates (SigV4 service "ses"), decodes JSON, calls one
// IdentityService operation (the identities v1 serves), renders JSON.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/authn.h"
#include "http/message.h"
#include "service/identity_service.h"
#include "service/verification_templates.h"

namespace vouch::api::sesv2 {

class SesV2Api {
 public:
  SesV2Api(service::IdentityService& identities, Authenticator& auth);

  // Whether `path` is under this API's prefix (any method).
  static bool owns(std::string_view path);
  http::HandlerResult handle(http::Request& req);
  // Custom verification email (sesv2_templates.cc); without them those
  // paths are unknown operations.
  void set_templates(service::VerificationTemplates* templates) { templates_ = templates; }
  // Whether `path` is one of those.
  static bool is_template_path(std::string_view path);

 private:
  http::HandlerResult identity(const core::Scope& scope, const http::Request& req,
                               std::string_view rest);
  http::HandlerResult tags(const core::Scope& scope, const http::Request& req);
  http::HandlerResult create(const core::Scope& scope, const http::Request& req);
  http::HandlerResult list(const core::Scope& scope, const http::Request& req);
  http::HandlerResult list_posted(const core::Scope& scope, const http::Request& req);
  http::HandlerResult list_page(const core::Scope& scope, std::optional<int> page_size,
                                const std::optional<std::string>& next,
                                const service::EmailIdentityFilter& filter);
  http::HandlerResult put_dkim(const core::Scope& scope, const std::string& id,
                               const http::Request& req);
  http::HandlerResult put_dkim_signing(const core::Scope& scope, const std::string& id,
                                       const http::Request& req);
  // PutEmailIdentityMailFromAttributes (sesv2_mail_from.cc).
  http::HandlerResult put_mail_from(const core::Scope& scope, const std::string& id,
                                    const http::Request& req);
  http::HandlerResult tag(const core::Scope& scope, const http::Request& req);
  // sesv2_templates.cc
  http::HandlerResult templates(const core::Scope& scope, const http::Request& req);
  http::HandlerResult create_template(const core::Scope& scope, const http::Request& req);
  http::HandlerResult update_template(const core::Scope& scope, const std::string& name,
                                      const http::Request& req);
  http::HandlerResult list_templates(const core::Scope& scope, const http::Request& req);
  http::HandlerResult send_custom_verification(const core::Scope& scope, const http::Request& req);

  service::IdentityService& identities_;
  Authenticator& auth_;
  service::VerificationTemplates* templates_ = nullptr;
};

}  // namespace vouch::api::sesv2
