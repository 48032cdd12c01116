// How webhooks and their deliveries become rows, for every backend (as
// row_codec.h does for claims and mail).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/store.h"
#include "store/row_codec.h"

namespace vouch::store {

#define VOUCH_WEBHOOK_COLUMNS \
  "id, account_id, url, event_types, secret, created_at, disabled, cursor"
// The columns a cursor reads of a webhook (CursorHook's, in order).
#define VOUCH_CURSOR_HOOK_COLUMNS "id, account_id, url, secret, kind_mask, cursor"
// An event's columns, as read_event expects them.
#define VOUCH_EVENT_COLUMNS \
  "seq, account_id, region, claim_id, kind, subject, from_status, to_status, at, evidence"
// Delivery columns, as read_delivery expects them (11).
#define VOUCH_DELIVERY_COLUMNS                                                          \
  "id, webhook_id, event_seq, claim_id, state, attempts, created_at, next_attempt_at, " \
  "first_attempt_at, last_attempt_at, last_error"
// A due delivery: the delivery's columns (d.), the webhook's url and secret
// (w.), then the event's (e., NULL once pruned), in read_due's order.
#define VOUCH_DUE_COLUMNS                                                                      \
  "d.id, d.webhook_id, d.event_seq, d.claim_id, d.state, d.attempts, d.created_at, "           \
  "d.next_attempt_at, d.first_attempt_at, d.last_attempt_at, d.last_error, w.url, w.secret, "  \
  "e.seq, e.account_id, e.region, e.claim_id, e.kind, e.subject, e.from_status, e.to_status, " \
  "e.at, e.evidence"

int delivery_state_code(core::WebhookDelivery::State s);
core::WebhookDelivery::State delivery_state_from_code(int64_t c);

// The claim kinds a filter takes, one bit per kind code, which the trigger
// on events matches; every bit (-1) for no filter, so new kinds are included.
int64_t kind_mask(const std::vector<std::string>& event_types);

// Reads columns 0.. in VOUCH_WEBHOOK_COLUMNS order.
template <typename Row>
core::Webhook read_webhook(const Row& r) {
  core::Webhook w;
  w.id = r.text_at(0);
  w.account_id = r.text_at(1);
  w.url = r.text_at(2);
  w.event_types = split_tokens(r.text_at(3));
  w.secret = r.text_at(4);
  w.created_at = from_nanos(r.int_at(5));
  w.disabled = r.int_at(6) != 0;
  w.cursor = r.int_at(7);
  return w;
}

// Reads columns 0.. in VOUCH_DELIVERY_COLUMNS order.
template <typename Row>
core::WebhookDelivery read_delivery(const Row& r) {
  core::WebhookDelivery d;
  d.id = r.int_at(0);
  d.webhook_id = r.text_at(1);
  d.event_seq = r.int_at(2);
  d.claim_id = r.text_at(3);
  d.state = delivery_state_from_code(r.int_at(4));
  d.attempts = static_cast<int>(r.int_at(5));
  d.created_at = from_nanos(r.int_at(6));
  d.next_attempt_at = from_nanos(r.int_at(7));
  d.first_attempt_at = opt_time(r, 8);
  d.last_attempt_at = opt_time(r, 9);
  d.last_error = r.text_at(10);
  return d;
}

// Reads an event's columns from `at` on: seq, account_id, region, claim_id,
// kind, subject, from_status, to_status, at, evidence (the events table's).
template <typename Row>
core::Event read_event(const Row& r, int at = 0) {
  core::Event e;
  e.seq = r.int_at(at);
  e.scope = {r.text_at(at + 1), r.text_at(at + 2)};
  e.claim_id = r.text_at(at + 3);
  e.kind = kind_from_code(r.int_at(at + 4));
  e.subject = r.text_at(at + 5);
  e.change = {from_nanos(r.int_at(at + 8)), status_from_code(r.int_at(at + 6)),
              status_from_code(r.int_at(at + 7))};
  if (!r.null_at(at + 9)) e.evidence = r.text_at(at + 9);
  return e;
}

// Reads columns 0.. in VOUCH_DUE_COLUMNS order.
template <typename Row>
core::DueDelivery read_due(const Row& r) {
  core::DueDelivery due{read_delivery(r), r.text_at(11), r.text_at(12), std::nullopt};
  if (!r.null_at(13)) due.event = read_event(r, 13);
  return due;
}

// Calls `f` with every webhook column in VOUCH_WEBHOOK_COLUMNS order, then
// the kind mask (9 values).
template <typename F>
void each_webhook_value(const core::Webhook& w, F&& f) {
  const std::string types = join_tokens(w.event_types);
  f(std::string_view(w.id));
  f(std::string_view(w.account_id));
  f(std::string_view(w.url));
  f(std::string_view(types));
  f(std::string_view(w.secret));
  f(to_nanos(w.created_at));
  f(int64_t{w.disabled ? 1 : 0});
  f(w.cursor);
  f(kind_mask(w.event_types));
}

// Calls `f` with every delivery column in VOUCH_DELIVERY_COLUMNS order (11).
template <typename F>
void each_delivery_value(const core::WebhookDelivery& d, F&& f) {
  f(d.id);
  f(std::string_view(d.webhook_id));
  f(d.event_seq);
  f(std::string_view(d.claim_id));
  f(int64_t{delivery_state_code(d.state)});
  f(int64_t{d.attempts});
  f(to_nanos(d.created_at));
  f(to_nanos(d.next_attempt_at));
  f(opt_nanos(d.first_attempt_at));
  f(opt_nanos(d.last_attempt_at));
  f(std::string_view(d.last_error));
}

}  // namespace vouch::store
