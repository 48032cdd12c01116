// The insert half of PostgresStore's claims: the inserts of concurrent
// callers in one statement, and under a quota in one transaction that
// counts each of the batch's scopes once.
#include <map>
#include <tuple>
#include <unordered_map>

#include "store/postgres/inserts.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/rows.h"

namespace vouch::store::postgres {

using core::Claim;
using core::Error;
using core::ErrorCode;
using core::Result;

namespace {

// Any unique index (id, an SES subject, a DKIM record) turns the insert into
// no row, instead of an error that would abort the transaction.
// Each statement that writes claims writes their claim_due rows and scope
// counts too (rows.h).
constexpr Query kInsertClaim{
    "insert_claim",
    "WITH c AS (INSERT INTO claims (id, account_id, region, kind, subject, record_name, token, "
    "status, created_at, deadline, next_check_at, last_verified_at, absent_since, attempts, "
    "dkim_tokens, tags, reject_on_mx_failure, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
    "$9, $10, $11, $12, $13, $14, $15, $16, $17, 1) ON CONFLICT DO NOTHING RETURNING " VOUCH_PG_DUE_COLUMNS
    "), d AS (" VOUCH_PG_DUE_INSERT("c") "), n AS (" VOUCH_PG_COUNT_INSERTED(
        "c") ") SELECT seq FROM c"};
// Many claims in one statement (claim_params' columns, an array each), in
// their order: seqs increase as they would one by one.
constexpr Query kInsertClaims{
    "insert_claims",
    "WITH c AS (INSERT INTO claims (id, account_id, region, kind, subject, record_name, token, "
    "status, created_at, deadline, next_check_at, last_verified_at, absent_since, attempts, "
    "dkim_tokens, tags, reject_on_mx_failure, version) SELECT id, account_id, region, kind, subject, "
    "record_name, token, status, created_at, deadline, next_check_at, last_verified_at, "
    "absent_since, attempts, dkim_tokens, tags, reject_on_mx_failure, 1 FROM unnest($1::text[], "
    "$2::text[], $3::text[], $4::smallint[], $5::text[], $6::text[], $7::text[], $8::smallint[], "
    "$9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], $14::integer[], "
    "$15::text[], $16::text[], $17::smallint[]) WITH ORDINALITY AS v(id, account_id, region, "
    "kind, subject, record_name, token, status, created_at, deadline, next_check_at, "
    "last_verified_at, absent_since, attempts, dkim_tokens, tags, reject_on_mx_failure, n) "
    "ORDER BY n ON CONFLICT DO NOTHING RETURNING id, " VOUCH_PG_DUE_COLUMNS
    "), d AS (" VOUCH_PG_DUE_INSERT("c") "), n AS (" VOUCH_PG_COUNT_INSERTED(
        "c") ") SELECT seq, id FROM c"};
constexpr size_t kClaimColumns = 17;
constexpr Query kClaimInTheWay{
    "claim_in_the_way",
    "SELECT id FROM claims WHERE id = $1 OR (account_id = $2 AND region = $3 AND "
    "((kind IN (0, 1) AND $4 IN (0, 1) AND " VOUCH_PG_SUBJECT " = $5) OR (kind = 3 AND $4 = 3 AND "
    "record_name = $6))) ORDER BY (id = $1), seq LIMIT 1"};
// Locks (making them if missing) and reads scope_counts rows: ON CONFLICT
// DO UPDATE locks the row and sees its last committed version, which a
// SELECT in this transaction (its snapshot taken before the wait) would not.
constexpr Query kLockCounts{
    "lock_counts",
    "INSERT INTO scope_counts AS s SELECT a, r, k, 0 FROM unnest($1::text[], $2::text[], "
    "$3::smallint[]) WITH ORDINALITY AS x(a, r, k, o) ORDER BY o ON CONFLICT (account_id, "
    "region, kind) DO UPDATE SET n = s.n RETURNING account_id, region, kind, n"};

}  // namespace

core::Status in_the_way(Conn& c, const Claim& claim) {
  std::string existing = claim.id;
  auto e = c.run(kClaimInTheWay,
                 {claim.id, claim.scope.account_id, claim.scope.region,
                  p(int64_t{kind_code(claim.kind)}), claim.subject, claim.record_name});
  if (!e.ok()) return e.error();
  if (e->rows() == 1) existing = e->text_at(0, 0);
  return Error{ErrorCode::kConflict, "claim exists: " + claim.subject, existing, {}};
}

Result<bool> insert_if_free(Conn& c, Claim& claim) {
  Params params;
  claim_params(claim, params);
  auto r = c.run(kInsertClaim, params);
  if (!r.ok()) return r.error();
  if (r->rows() != 1) return false;
  claim.seq = r->int_at(0, 0);
  claim.version = 1;
  return true;
}

void add_keys(const core::Scope& scope, const std::vector<core::ClaimKind>& kinds,
              ScopeCounts& keys) {
  for (auto kind : kinds)
    keys.emplace(ScopeKind{scope.account_id, scope.region, kind_code(kind)}, 0);
}

Result<ScopeCounts> lock_counts(Conn& c, const ScopeCounts& keys) {
  ScopeCounts out;
  if (keys.empty()) return out;
  std::vector<std::string> accounts, regions;
  std::vector<std::optional<int64_t>> kinds;
  for (const auto& [k, n] : keys) {  // in the map's order: every caller locks in one order
    accounts.push_back(std::get<0>(k));
    regions.push_back(std::get<1>(k));
    kinds.push_back(std::get<2>(k));
  }
  auto r = c.run(kLockCounts, {text_array(accounts), text_array(regions), int_array(kinds)});
  if (!r.ok()) return r.error();
  for (int row = 0; row < r->rows(); ++row) {
    out[ScopeKind{r->text_at(row, 0), r->text_at(row, 1), static_cast<int>(r->int_at(row, 2))}] =
        r->int_at(row, 3);
  }
  if (out.size() != keys.size())
    return core::internal_error("scope counts: " + std::to_string(r->rows()) + " rows");
  return out;
}

core::Status PostgresStore::insert_batched(NewClaim& n) { return inserts_.write(n); }

Result<size_t> PostgresStore::insert_rows(Conn& c, const std::vector<Inserts::Item*>& items,
                                          std::vector<Inserts::Item*>& left_out) {
  if (items.empty()) return size_t{0};
  if (items.size() == 1) {
    auto inserted = insert_if_free(c, items.front()->value->claim);
    if (!inserted.ok()) return inserted.error();
    if (!*inserted) left_out.push_back(items.front());
    return size_t{*inserted ? 1u : 0u};
  }
  std::vector<Params> columns(kClaimColumns);
  for (auto* i : items) {
    Params row;
    claim_params(i->value->claim, row);
    for (size_t col = 0; col < kClaimColumns; ++col) columns[col].push_back(std::move(row[col]));
  }
  Params arrays;
  for (const auto& col : columns) arrays.push_back(array_literal(col));
  auto r = c.run(kInsertClaims, arrays);
  if (!r.ok()) return r.error();
  std::unordered_map<std::string, int64_t> seqs;
  for (int row = 0; row < r->rows(); ++row) seqs.emplace(r->text_at(row, 1), r->int_at(row, 0));
  for (auto* i : items) {
    Claim& claim = i->value->claim;
    if (auto it = seqs.find(claim.id); it != seqs.end()) {
      claim.seq = it->second;
      claim.version = 1;
    } else {
      left_out.push_back(i);
    }
  }
  return seqs.size();
}

void PostgresStore::insert_batch(std::vector<Inserts::Item*>& batch) {
  auto lease = pool_->acquire();
  if (!lease.ok()) {
    for (auto* i : batch) i->status = lease.error();
    return;
  }
  Conn& c = ***lease;
  for (const auto* i : batch) {
    if (i->value->quota > 0) return insert_counted(c, batch);
  }
  // One statement commits on its own: no BEGIN and COMMIT round trips. What
  // is read about a conflict after it is what is there by then, as a retry
  // would read.
  std::vector<Inserts::Item*> left_out;
  auto n = insert_rows(c, batch, left_out);
  if (!n.ok() && batch.size() > 1 && n.error().code != ErrorCode::kUnavailable) {
    // One bad row fails the statement: each alone, so it fails only its own.
    for (auto* i : batch) {
      auto one = insert_rows(c, {i}, left_out);
      if (!one.ok()) i->status = one.error();
      if (one.ok() && *one) count_inserts(1, &c);
    }
  } else if (!n.ok()) {
    for (auto* i : batch) i->status = n.error();
    return;
  } else {
    count_inserts(*n, &c);
  }
  (void)settle_left_out(c, left_out);
}

void PostgresStore::insert_counted(Conn& c, std::vector<Inserts::Item*>& batch) {
  size_t inserted = 0;
  bool rows_failed = false;  // the batch's insert statement, before any item changed
  auto st = [&]() -> core::Status {
    // The commit does not wait for its WAL flush, so that the counts' locks
    // are not held across it; the flush is waited for after (below).
    if (auto b = c.exec("BEGIN; SET LOCAL synchronous_commit TO off"); !b.ok()) return b.error();
    // A room: the creates of one scope under one quota, and how many more it
    // holds. Counted under the counts' locks, they hold until the commit.
    struct Room {
      size_t free = 0;
      size_t wanting = 0;
    };
    // account, region, the kinds counted, the quota
    using RoomKey = std::tuple<std::string, std::string, std::vector<core::ClaimKind>, size_t>;
    std::map<RoomKey, Room> rooms;
    std::vector<Room*> room_of(batch.size(), nullptr);  // none: no quota
    ScopeCounts keys;
    for (size_t k = 0; k < batch.size(); ++k) {
      const NewClaim& n = *batch[k]->value;
      if (n.quota == 0) continue;
      auto [room, made] = rooms.try_emplace(
          RoomKey{n.claim.scope.account_id, n.claim.scope.region,
                  n.quota_kinds.empty() ? std::vector{n.claim.kind} : n.quota_kinds, n.quota});
      ++room->second.wanting;
      room_of[k] = &room->second;
      if (made) add_keys(n.claim.scope, std::get<2>(room->first), keys);
    }
    auto counts = lock_counts(c, keys);
    if (!counts.ok()) return counts.error();
    for (auto& [k, room] : rooms) {
      const auto& [account, region, kinds, quota] = k;
      size_t n = 0;
      for (auto kind : kinds)
        n += static_cast<size_t>(counts->at(ScopeKind{account, region, kind_code(kind)}));
      room.free = quota > n ? quota - n : 0;
    }
    // Where all of a room's creates fit, in one statement; at a quota's
    // edge, one by one in arrival order.
    std::vector<Inserts::Item*> fitting, left_out, full;
    std::vector<std::pair<Inserts::Item*, Room*>> edge;
    for (size_t k = 0; k < batch.size(); ++k) {
      Room* room = room_of[k];
      if (!room || room->wanting <= room->free) {
        fitting.push_back(batch[k]);
      } else {
        edge.emplace_back(batch[k], room);
      }
    }
    auto n = insert_rows(c, fitting, left_out);
    if (!n.ok()) {
      rows_failed = fitting.size() > 1;
      return n.error();
    }
    inserted += *n;
    for (auto [i, room] : edge) {
      if (room->free == 0) {
        full.push_back(i);
        continue;
      }
      auto one = insert_rows(c, {i}, left_out);
      if (!one.ok()) return one.error();
      inserted += *one;
      room->free -= *one;
    }
    // A full room: the identity with the subject answers, else the quota.
    std::vector<Inserts::Item*> wanting;
    for (auto* i : full) {
      if (i->value->existing_identity) wanting.push_back(i);
    }
    if (auto s = read_existing(c, wanting); !s.ok()) return s;
    for (auto* i : full) i->value->over_quota = !i->value->existed;
    return settle_left_out(c, left_out);
  }();
  if (st.ok()) {
    // Durable before any answer: the commit, then a transaction with an id,
    // which commits as the server's synchronous_commit says, flushing the
    // WAL through its own commit record, after the batch's. Lost with a
    // crash before that, the batch had answered no one. One round trip: the
    // second statement runs only if the commit succeeded. Failed, the batch
    // may or may not be there: each caller is answered the error, and a
    // retry finds what is.
    auto done = c.exec("COMMIT; SELECT txid_current()");
    if (done.ok()) return count_inserts(inserted, &c);
    for (auto* i : batch) i->status = done.error();
    return;
  }
  (void)c.exec("ROLLBACK");
  if (rows_failed && st.error().code != ErrorCode::kUnavailable) {
    // One bad row failed the statement: each alone, so it fails only its own.
    for (auto* i : batch) {
      std::vector<Inserts::Item*> one{i};
      insert_counted(c, one);
    }
    return;
  }
  for (auto* i : batch) i->status = st;
}

core::Status PostgresStore::read_existing(Conn& c, const std::vector<Inserts::Item*>& wanting) {
  if (wanting.empty()) return {};
  std::vector<IdentityOf> callers;
  for (const auto* i : wanting) callers.push_back({i->value->claim.scope, i->value->claim.subject});
  auto r = c.run(kFindIdentitiesOf, identities_of(callers));
  auto found = r.ok() ? read_identities_of(*r, wanting.size())
                      : Result<std::vector<std::pair<size_t, Claim>>>(r.error());
  if (!found.ok()) {
    for (auto* i : wanting) i->status = found.error();
    return found.error();
  }
  for (auto& [n, claim] : *found) {
    wanting[n]->value->claim = std::move(claim);
    wanting[n]->value->existed = true;
  }
  return {};
}

core::Status PostgresStore::settle_left_out(Conn& c, const std::vector<Inserts::Item*>& left) {
  std::vector<Inserts::Item*> wanting;
  for (auto* i : left) {
    if (i->value->existing_identity) wanting.push_back(i);
  }
  if (auto s = read_existing(c, wanting); !s.ok()) return s;
  // The rest, and an identity gone again since the insert: what is in the way.
  for (auto* i : left) {
    if (i->value->existed) continue;
    i->status = in_the_way(c, i->value->claim);
    if (i->status.error().code != ErrorCode::kConflict) return i->status;
  }
  return {};
}

Result<Claim> PostgresStore::insert_claim(Claim claim) {
  // No scope lock: the unique indexes refuse duplicates, and what needs
  // counting or a live-subject check goes through create_claim_once.
  NewClaim n{std::move(claim)};
  if (auto st = insert_batched(n); !st.ok()) return st.error();
  return std::move(n.claim);
}

}  // namespace vouch::store::postgres
