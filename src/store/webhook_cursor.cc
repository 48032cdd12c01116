#include "store/webhook_cursor.h"

#include <map>
#include <set>
#include <tuple>

namespace vouch::store {

using core::DueDelivery;
using core::Event;
using core::WebhookDelivery;
using State = WebhookDelivery::State;

namespace {

WebhookDelivery delivery_of(const CursorHook& h, const Event& e) {
  WebhookDelivery d;
  d.webhook_id = h.id;
  d.event_seq = e.seq;
  d.claim_id = e.claim_id;
  d.created_at = e.change.at;
  d.next_attempt_at = e.change.at;
  return d;
}

enum class Take { kSkip, kPost, kRowLeased, kRowWaiting };

// How each event of a batch goes out: skipped when it has a row already (a
// batch read again after its lease ran out); a row waiting when its claim has
// a pending row or an earlier row in the batch; a leased row when a later
// event of its claim is in the batch (so that one waits behind it); else
// sent from the cursor.
core::Result<std::vector<Take>> plan(CursorOps& ops, const CursorHook& h,
                                     const std::vector<Event>& events) {
  auto open = ops.has_open_rows(h);
  if (!open.ok()) return open.error();
  std::vector<Take> takes(events.size(), Take::kPost);
  std::map<std::string, int> per_claim;
  for (size_t i = 0; i < events.size(); ++i) {
    if (*open) {
      auto row = ops.row_of(h.id, events[i].seq);
      if (!row.ok()) return row.error();
      if (row->has_value()) {
        takes[i] = Take::kSkip;
        continue;
      }
    }
    ++per_claim[events[i].claim_id];
  }
  std::set<std::string> rowed;
  for (size_t i = 0; i < events.size(); ++i) {
    if (takes[i] == Take::kSkip) continue;
    const std::string& claim = events[i].claim_id;
    bool waits = rowed.count(claim) > 0;
    if (!waits && *open) {
      auto pending = ops.claim_pending(h.id, claim);
      if (!pending.ok()) return pending.error();
      waits = *pending;
    }
    if (waits) {
      takes[i] = Take::kRowWaiting;
    } else if (per_claim[claim] > 1) {
      takes[i] = Take::kRowLeased;
    } else {
      continue;
    }
    rowed.insert(claim);
  }
  return takes;
}

}  // namespace

core::Result<std::vector<DueDelivery>> lease_cursor_batches(CursorOps& ops, core::TimePoint now,
                                                            core::TimePoint lease_until,
                                                            size_t limit) {
  std::vector<DueDelivery> out;
  if (limit == 0) return out;
  auto hooks = ops.free_hooks(now);
  if (!hooks.ok()) return hooks.error();
  for (const auto& h : *hooks) {
    if (out.size() >= limit) break;
    auto events = ops.events_after(h, limit - out.size());
    if (!events.ok()) return events.error();
    // An event stamped later than `now` (test mode's clock) waits for it.
    size_t n = 0;
    while (n < events->size() && (*events)[n].change.at <= now) ++n;
    events->resize(n);
    if (events->empty()) continue;
    auto takes = plan(ops, h, *events);
    if (!takes.ok()) return takes.error();
    const size_t first = out.size();
    for (size_t i = 0; i < n; ++i) {
      const Event& e = (*events)[i];
      WebhookDelivery d = delivery_of(h, e);
      switch ((*takes)[i]) {
        case Take::kSkip: continue;
        case Take::kPost: break;
        case Take::kRowWaiting:
        case Take::kRowLeased: {
          const bool leased = (*takes)[i] == Take::kRowLeased;
          if (leased) d.next_attempt_at = lease_until;
          auto id = ops.insert_row(d);
          if (!id.ok()) return id.error();
          d.id = *id;
          if (!leased) continue;
          break;
        }
      }
      out.push_back({std::move(d), h.url, h.secret, e});
    }
    const int64_t to = events->back().seq;
    int64_t posts = 0;
    for (size_t i = first; i < out.size(); ++i) posts += out[i].delivery.id == 0 ? 1 : 0;
    if (posts == 0) {
      if (auto st = ops.pass(h.id, to); !st.ok()) return st.error();
      continue;
    }
    if (auto st = ops.take(h.id, to, lease_until); !st.ok()) return st.error();
    for (size_t i = first; i < out.size(); ++i) {
      if (out[i].delivery.id == 0)
        out[i].delivery.batch = WebhookDelivery::Batch{h.cursor, to, posts};
    }
  }
  return out;
}

namespace {

using BatchKey = std::tuple<std::string, int64_t, int64_t>;

// Moves the cursor of each batch in `outcomes`; a batch recorded in part
// leaves its other members as pending rows. Returns the batches it moved.
core::Result<std::set<BatchKey>> advance_batches(
    CursorOps& ops, const std::vector<std::pair<WebhookDelivery, bool>>& outcomes) {
  std::map<BatchKey, std::pair<WebhookDelivery::Batch, std::set<int64_t>>> batches;
  for (const auto& [d, disable] : outcomes) {
    if (d.id != 0 || !d.batch) continue;
    auto& b = batches[{d.webhook_id, d.batch->from, d.batch->to}];
    b.first = *d.batch;
    b.second.insert(d.event_seq);
  }
  std::set<BatchKey> moved;
  for (const auto& [key, b] : batches) {
    const std::string& webhook_id = std::get<0>(key);
    auto ok = ops.advance(webhook_id, b.first);
    if (!ok.ok()) return ok.error();
    if (!*ok) continue;
    moved.insert(key);
    if (static_cast<int64_t>(b.second.size()) >= b.first.size) continue;
    auto events = ops.events_between(webhook_id, b.first.from, b.first.to);
    if (!events.ok()) return events.error();
    for (const auto& e : *events) {
      if (b.second.count(e.seq)) continue;
      auto row = ops.row_of(webhook_id, e.seq);
      if (!row.ok()) return row.error();
      if (row->has_value()) continue;
      CursorHook h;
      h.id = webhook_id;
      if (auto id = ops.insert_row(delivery_of(h, e)); !id.ok()) return id.error();
    }
  }
  return moved;
}

}  // namespace

core::Status record_cursor_outcomes(CursorOps& ops,
                                    const std::vector<std::pair<WebhookDelivery, bool>>& outcomes) {
  auto moved = advance_batches(ops, outcomes);
  if (!moved.ok()) return moved.error();
  // Deliveries from the cursor count once per webhook (the latest stands for all).
  std::map<std::string, std::pair<WebhookDelivery, int64_t>> delivered;
  auto count_all = [&]() -> core::Status {
    for (const auto& [id, latest] : delivered) {
      if (auto st = ops.count(latest.first, latest.second); !st.ok()) return st;
    }
    delivered.clear();
    return {};
  };
  for (const auto& [given, disable] : outcomes) {
    WebhookDelivery d = given;
    if (d.id == 0 && d.batch && !moved->count({d.webhook_id, d.batch->from, d.batch->to})) {
      // Another call moved this batch: its row, if it became one, else gone.
      auto row = ops.row_of(d.webhook_id, d.event_seq);
      if (!row.ok()) return row.error();
      if (!*row) continue;
      d.id = **row;
    }
    if (d.id == 0 && d.state == State::kDelivered && !disable) {
      auto [it, fresh] = delivered.try_emplace(d.webhook_id, d, 0);
      if (!fresh && d.last_attempt_at >= it->second.first.last_attempt_at) it->second.first = d;
      ++it->second.second;
      continue;
    }
    if (d.id == 0) {  // a retry or a give-up: recorded as a row
      auto id = ops.insert_row(d);
      if (!id.ok()) return id.error();
      d.id = *id;
      if (!disable) {
        if (auto st = ops.count(d, 1); !st.ok()) return st;
        continue;
      }
      if (auto st = count_all(); !st.ok()) return st;  // before the disable's counts
    }
    if (auto st = ops.record_row(d, disable); !st.ok()) return st;
  }
  return count_all();
}

}  // namespace vouch::store
