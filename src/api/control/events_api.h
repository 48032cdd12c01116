// GET /_vouch/events (SigV4, the caller's account): the account's
// status-change events in order, for a consumer catching up; and the
// /_vouch/webhooks routes, handed to WebhooksApi.
#pragma once

#include "api/authn.h"
#include "api/control/webhooks_api.h"
#include "http/message.h"
#include "service/event_feed.h"

namespace vouch::api::control {

class EventsApi {
 public:
  EventsApi(service::EventFeed& feed, Authenticator& auth) : feed_(feed), auth_(auth) {}

  // The webhook routes go to `webhooks` (unset: unknown operation).
  void set_webhooks(WebhooksApi* webhooks) { webhooks_ = webhooks; }

  static bool owns(std::string_view path);
  http::HandlerResult handle(http::Request& req);

 private:
  service::EventFeed& feed_;
  Authenticator& auth_;
  WebhooksApi* webhooks_ = nullptr;
};

}  // namespace vouch::api::control
