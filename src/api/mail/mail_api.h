// The mail routes on the listener: GET /_vouch/verify-email?token=... (the
// link in verification mail; answers a small HTML page) and the sent-mail
// inbox GET/DELETE /_aws/ses in LocalStack's shape (test mode or --inbox).
#pragma once

#include "core/store.h"
#include "http/message.h"
#include "service/identity_service.h"

namespace vouch::api::mail {

class MailApi {
 public:
  MailApi(service::IdentityService& identities, core::Store& store, bool inbox_enabled);

  static bool owns(std::string_view path);
  http::Outcome handle(http::Request& req);

 private:
  http::Outcome verify_link(const http::Request& req);
  http::Outcome inbox(const http::Request& req);

  service::IdentityService& identities_;
  core::Store& store_;
  const bool inbox_enabled_;
};

}  // namespace vouch::api::mail
