// The account's status-change events for catch-up (GET /_vouch/events):
// pages in seq order under signed page tokens (service/retention.h bounds
// the table).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/store.h"
#include "service/page_token.h"

namespace vouch::service {

inline constexpr size_t kEventPageMax = 1000;

struct EventPage {
  std::vector<core::Event> events;
  std::optional<std::string> next_token;  // set when the page was full
};

class EventFeed {
 public:
  EventFeed(core::EventStore& store, const PageTokens& tokens) : store_(store), tokens_(tokens) {}

  // Events of scope's account (every Region) after `next_token` (or from the
  // oldest kept), at most `limit` (1..kEventPageMax).
  core::Result<EventPage> list(const core::Scope& scope,
                               const std::optional<std::string>& next_token, size_t limit);

 private:
  core::EventStore& store_;
  const PageTokens& tokens_;
};

}  // namespace vouch::service
