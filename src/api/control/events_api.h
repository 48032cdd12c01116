// GET /_vouch/events (SigV4, the caller's account): the account's
// status-change events in order, for a consumer catching up.
#pragma once

#include "api/authn.h"
#include "http/message.h"
#include "service/event_feed.h"

namespace vouch::api::control {

class EventsApi {
 public:
  EventsApi(service::EventFeed& feed, Authenticator& auth) : feed_(feed), auth_(auth) {}

  static bool owns(std::string_view path);
  http::HandlerResult handle(http::Request& req);

 private:
  service::EventFeed& feed_;
  Authenticator& auth_;
};

}  // namespace vouch::api::control
