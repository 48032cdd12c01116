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
// Each statement that writes claims writes their claim_due rows too (rows.h).
constexpr Query kInsertClaim{
    "insert_claim",
    "WITH c AS (INSERT INTO claims (id, account_id, region, kind, subject, record_name, token, "
    "status, created_at, deadline, next_check_at, last_verified_at, absent_since, attempts, "
    "dkim_tokens, tags, reject_on_mx_failure, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
    "$9, $10, $11, $12, $13, $14, $15, $16, $17, 1) ON CONFLICT DO NOTHING RETURNING " VOUCH_PG_DUE_COLUMNS
    "), d AS (" VOUCH_PG_DUE_INSERT("c") ") SELECT seq FROM c"};
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
    "), d AS (" VOUCH_PG_DUE_INSERT("c") ") SELECT seq, id FROM c"};
constexpr size_t kClaimColumns = 17;
constexpr Query kClaimInTheWay{
    "claim_in_the_way",
    "SELECT id FROM claims WHERE id = $1 OR (account_id = $2 AND region = $3 AND "
    "((kind IN (0, 1) AND $4 IN (0, 1) AND " VOUCH_PG_SUBJECT " = $5) OR (kind = 3 AND $4 = 3 AND "
    "record_name = $6))) ORDER BY (id = $1), seq LIMIT 1"};
// The batch's scopes, each locked once and in one order (of their keys):
// two nodes' batches cannot deadlock, and a single create's lock
// (claim_writes.cc) is the same key.
constexpr Query kLockScopes{
    "lock_scopes",
    "SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT " VOUCH_PG_SCOPE_LOCK_KEY(
        "a", "r") " AS h FROM unnest($1::text[], $2::text[]) AS s(a, r)) l ORDER BY h"};
// Each scope's claims of its counted kinds ($3: kinds_array literals), in
// order (schema.cc, 15).
constexpr Query kCountScopes{
    "count_scopes",
    "SELECT (SELECT COALESCE(sum(n), 0) FROM scope_counts WHERE account_id = s.a AND "
    "region = s.r AND kind = ANY(s.k::smallint[])) FROM unnest($1::text[], $2::text[], "
    "$3::text[]) WITH ORDINALITY AS s(a, r, k, o) ORDER BY o"};

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
    if (auto b = c.exec("BEGIN"); !b.ok()) return b.error();
    // A room: the creates of one scope under one quota, and how many more it
    // holds. Counted after the lock, they hold until the commit.
    struct Room {
      size_t quota = 0;
      size_t free = 0;
      size_t wanting = 0;
    };
    using RoomKey = std::tuple<std::string, std::string, std::string, size_t>;
    auto key_of = [](const NewClaim& n) {
      return RoomKey{n.claim.scope.account_id, n.claim.scope.region,
                     kinds_array(n.quota_kinds.empty() ? std::vector{n.claim.kind} : n.quota_kinds),
                     n.quota};
    };
    std::map<RoomKey, Room> rooms;
    for (const auto* i : batch) {
      if (i->value->quota > 0) ++rooms[key_of(*i->value)].wanting;
    }
    std::vector<std::string> accounts, regions, kinds;
    for (const auto& [k, room] : rooms) {
      accounts.push_back(std::get<0>(k));
      regions.push_back(std::get<1>(k));
      kinds.push_back(std::get<2>(k));
    }
    const std::string a = text_array(accounts), r = text_array(regions);
    if (auto l = c.run(kLockScopes, {a, r}); !l.ok()) return l.error();
    auto counts = c.run(kCountScopes, {a, r, text_array(kinds)});
    if (!counts.ok()) return counts.error();
    if (counts->rows() != static_cast<int>(rooms.size()))
      return core::internal_error("scope counts: " + std::to_string(counts->rows()) + " rows");
    int row = 0;
    for (auto& [k, room] : rooms) {
      const auto n = static_cast<size_t>(counts->int_at(row++, 0));
      room.free = std::get<3>(k) > n ? std::get<3>(k) - n : 0;
    }
    // Where all of a room's creates fit, in one statement; at a quota's
    // edge, one by one in arrival order.
    std::vector<Inserts::Item*> fitting, edge, left_out, full;
    for (auto* i : batch) {
      const bool fits = i->value->quota == 0 || [&] {
        const Room& room = rooms.at(key_of(*i->value));
        return room.wanting <= room.free;
      }();
      (fits ? fitting : edge).push_back(i);
    }
    auto n = insert_rows(c, fitting, left_out);
    if (!n.ok()) {
      rows_failed = fitting.size() > 1;
      return n.error();
    }
    inserted += *n;
    for (auto* i : edge) {
      Room& room = rooms.at(key_of(*i->value));
      if (room.free == 0) {
        full.push_back(i);
        continue;
      }
      auto one = insert_rows(c, {i}, left_out);
      if (!one.ok()) return one.error();
      inserted += *one;
      room.free -= *one;
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
    auto done = c.exec("COMMIT");
    if (done.ok()) return count_inserts(inserted, &c);
    st = done.error();
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
