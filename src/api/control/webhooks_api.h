// POST/GET /_vouch/webhooks and DELETE /_vouch/webhooks/{id} (SigV4, the
// caller's account): an account's webhook endpoints. The secret appears
// only in the POST's answer.
#pragma once

#include "api/authn.h"
#include "http/message.h"
#include "service/webhooks.h"

namespace vouch::api::control {

class WebhooksApi {
 public:
  WebhooksApi(service::Webhooks& webhooks, Authenticator& auth)
      : webhooks_(webhooks), auth_(auth) {}

  static bool owns(std::string_view path);
  http::HandlerResult handle(http::Request& req);

 private:
  http::HandlerResult create(const core::Scope& scope, const http::Request& req);

  service::Webhooks& webhooks_;
  Authenticator& auth_;
};

}  // namespace vouch::api::control
