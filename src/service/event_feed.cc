#include "service/event_feed.h"

namespace vouch::service {

namespace {
constexpr const char* kListing = "vouch:events";
}  // namespace

core::Result<EventPage> EventFeed::list(const core::Scope& scope,
                                        const std::optional<std::string>& next_token,
                                        size_t limit) {
  if (limit < 1 || limit > kEventPageMax) {
    return core::invalid_argument("limit must be between 1 and 1000.", "limit");
  }
  int64_t after = 0;
  if (next_token) {
    auto seq = tokens_.decode(scope, kListing, *next_token);
    if (!seq) return core::invalid_argument("Invalid next_token.", "next_token");
    after = *seq;
  }
  auto events = store_.list_events(scope.account_id, after, limit);
  if (!events.ok()) return events.error();
  EventPage page;
  page.events = std::move(*events);
  if (page.events.size() == limit) {
    page.next_token = tokens_.encode(scope, kListing, page.events.back().seq);
  }
  return page;
}

}  // namespace vouch::service
