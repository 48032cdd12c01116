// Webhook delivery by cursor, for every backend: each webhook keeps the seq
// of the last event it passed; a pass reads the matching events after it and
// hands them out with no row written. Only an event that must retry, or wait
// behind an earlier one of its claim, gets a row in webhook_deliveries (the
// retry table, leased and recorded as rows always were). A backend supplies
// the statements (CursorOps), inside one transaction per call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/store.h"

namespace vouch::store {

// What a webhook's cursor needs to read its next batch.
struct CursorHook {
  std::string id;
  std::string account_id;
  std::string url;
  std::string secret;
  int64_t kind_mask = -1;
  int64_t cursor = 0;
};

class CursorOps {
 public:
  virtual ~CursorOps() = default;
  // Enabled webhooks whose cursor no one holds at `now` (released, or its
  // lease ran out), held for this transaction where the backend can.
  virtual core::Result<std::vector<CursorHook>> free_hooks(core::TimePoint now) = 0;
  // Its account's events after its cursor that its kinds match, seq order.
  virtual core::Result<std::vector<core::Event>> events_after(const CursorHook& h,
                                                              size_t limit) = 0;
  // Whether it has a pending row, or any row past its cursor (else no event
  // of the batch needs a look-up).
  virtual core::Result<bool> has_open_rows(const CursorHook& h) = 0;
  virtual core::Result<bool> claim_pending(const std::string& webhook_id,
                                           const std::string& claim_id) = 0;
  // Inserts the row (its id ignored); returns the new id.
  virtual core::Result<int64_t> insert_row(const core::WebhookDelivery& d) = 0;
  // Holds the cursor until `lease_until`, with the batch read up to `to`.
  virtual core::Status take(const std::string& webhook_id, int64_t to,
                            core::TimePoint lease_until) = 0;
  // Moves the cursor to `to` (a batch with nothing to send).
  virtual core::Status pass(const std::string& webhook_id, int64_t to) = 0;
  // Compare-and-set: the cursor from b.from to b.to and released, if it
  // still stands at b.from with that batch taken; whether it moved.
  virtual core::Result<bool> advance(const std::string& webhook_id,
                                     const core::WebhookDelivery::Batch& b) = 0;
  // The matching events in (from, to] (a batch read again).
  virtual core::Result<std::vector<core::Event>> events_between(const std::string& webhook_id,
                                                                int64_t from, int64_t to) = 0;
  // The id of the event's row for the webhook, if it has one.
  virtual core::Result<std::optional<int64_t>> row_of(const std::string& webhook_id,
                                                      int64_t event_seq) = 0;
  // Writes a row's outcome (by d.id) and counts it, as record_delivery does.
  virtual core::Status record_row(const core::WebhookDelivery& d, bool disable) = 0;
  // Counts `times` attempts like d on its webhook (its final outcome, its
  // attempt time and error).
  virtual core::Status count(const core::WebhookDelivery& d, int64_t times) = 0;
};

// Hands out up to `limit` cursor deliveries and rows of the free webhooks
// (rows it makes for waiting events are written, not handed out).
core::Result<std::vector<core::DueDelivery>> lease_cursor_batches(CursorOps& ops,
                                                                  core::TimePoint now,
                                                                  core::TimePoint lease_until,
                                                                  size_t limit);

// Records outcomes of rows and cursor deliveries: a batch's cursor moves
// (compare-and-set) with its first outcome; batch members not recorded
// become pending rows; a retry or a give-up of a cursor delivery becomes a
// row; an outcome whose batch another node moved meanwhile is dropped
// unless it became a row.
core::Status record_cursor_outcomes(
    CursorOps& ops, const std::vector<std::pair<core::WebhookDelivery, bool>>& outcomes);

}  // namespace vouch::store
