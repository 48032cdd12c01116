// Webhook endpoints and their delivery outbox, as core::WebhookStore
// (core/store.h) keeps them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/claim.h"

namespace vouch::core {

struct Webhook {
  std::string id;  // "wh-<hex>"
  std::string account_id;
  std::string url;
  std::vector<std::string> event_types;  // empty: every type
  std::string secret;                    // signs deliveries; shown once
  TimePoint created_at{};
  bool disabled = false;  // after a 410: no more deliveries
  // The seq of the last event its cursor passed (store-kept; snapshots carry it).
  int64_t cursor = 0;
};

// How a webhook's deliveries went: delivered and failed since it was made,
// pending = the retry table's rows plus the matching events past its cursor.
struct WebhookHealth {
  int64_t delivered = 0;
  int64_t failed = 0;
  int64_t pending = 0;
  std::optional<TimePoint> last_attempt_at;
  std::optional<std::string> last_error;  // of the last attempt, when it failed
};

struct WebhookStatus {
  Webhook webhook;
  WebhookHealth health;
};

// A cursor delivery's batch: the cursor from `from` to `to` with `size`
// deliveries; recording it moves the cursor past all of them. Outside
// WebhookDelivery: clang cannot default-construct a nested struct with member
// initializers where the enclosing class is still incomplete.
struct WebhookBatch {
  int64_t from = 0;
  int64_t to = 0;
  int64_t size = 0;
};

// One event's delivery to one webhook: a row of the retry table (id > 0),
// or one the webhook's cursor handed out (id 0, no row unless it must retry).
struct WebhookDelivery {
  enum class State { kPending, kDelivered, kFailed };
  int64_t id = 0;  // store-assigned, increasing
  std::string webhook_id;
  int64_t event_seq = 0;
  std::string claim_id;  // deliveries of one (webhook, claim) go out in id order
  State state = State::kPending;
  int attempts = 0;
  TimePoint created_at{};
  TimePoint next_attempt_at{};
  std::optional<TimePoint> first_attempt_at;
  std::optional<TimePoint> last_attempt_at;
  std::string last_error;
  // Of a cursor delivery: the batch it came in (WebhookBatch).
  using Batch = WebhookBatch;
  std::optional<Batch> batch;
};

}  // namespace vouch::core
