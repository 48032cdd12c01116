#include "store/caching_store.h"

#include "core/evidence_json.h"

namespace vouch::store {

using core::Claim;
using core::Result;
using core::Scope;

namespace {

// Writes the key of (scope, subject) into `out`, reusing its buffer.
void make_key(const Scope& scope, std::string_view subject, std::string& out) {
  out.clear();
  out.append(scope.account_id).push_back('\x1f');
  out.append(scope.region).push_back('\x1f');
  out.append(subject);
}

// The key of find_claims(scope, kind, {subject}).
void records_key(const Scope& scope, core::ClaimKind kind, std::string_view subject,
                 std::string& out) {
  make_key(scope, subject, out);
  out.push_back('\x1f');
  out.append(std::to_string(static_cast<int>(kind)));
}

constexpr core::ClaimKind kKinds[] = {
    core::ClaimKind::kSesDomain,     core::ClaimKind::kSesEmail,   core::ClaimKind::kLatticeDomain,
    core::ClaimKind::kSesDkim,       core::ClaimKind::kSesDkimTxt, core::ClaimKind::kSesMailFromMx,
    core::ClaimKind::kSesMailFromSpf};

}  // namespace

CachingStore::CachingStore(std::unique_ptr<core::Store> inner, size_t capacity, Writers writers,
                           size_t evidence_bytes)
    : ForwardingStore(std::move(inner)),
      capacity_(capacity),
      fill_(writers == Writers::kOnlyThis),
      // Keyed by claim id, which changed_elsewhere() does not name: only
      // when no write can come from elsewhere.
      sole_writer_(writers == Writers::kOnlyThis && capacity > 0 && evidence_bytes > 0),
      evidence_(evidence_bytes),
      by_id_(capacity) {}

void CachingStore::changed_elsewhere(std::string_view key) {
  if (key == "*") return forget_all();
  std::lock_guard lock(mu_);
  ++generation_;
  erase_key(key);
  by_id_.erase_key(key);
}

void CachingStore::following_elsewhere(bool following) {
  std::lock_guard lock(mu_);
  ++generation_;  // a read in flight may hold a row changed while not following
  fill_ = following;
  young_.clear();
  old_.clear();
  evidence_.clear();
  records_young_.clear();
  records_old_.clear();
  by_id_.clear();
}

std::shared_ptr<const Claim> CachingStore::lookup(std::string_view key) {
  if (auto it = young_.find(key); it != young_.end()) return it->second;
  auto it = old_.find(key);
  if (it == old_.end()) return nullptr;
  auto claim = it->second;
  put(std::string(key), claim);  // still in use: keep it past the next rotation
  return claim;
}

void CachingStore::put(std::string key, std::shared_ptr<const Claim> claim) {
  if (capacity_ == 0) return;
  if (young_.size() >= capacity_) {
    old_ = std::move(young_);
    young_ = Map();
  }
  young_.insert_or_assign(std::move(key), std::move(claim));
}

void CachingStore::erase(const Scope& scope, std::string_view subject) {
  thread_local std::string key;
  make_key(scope, subject, key);
  erase_key(key);
}

void CachingStore::erase_key(std::string_view key) {
  if (auto it = young_.find(key); it != young_.end()) young_.erase(it);
  if (auto it = old_.find(key); it != old_.end()) old_.erase(it);
}

void CachingStore::erase_records(const Scope& scope, std::string_view subject) {
  // A sweep erases for every claim it records: seven keys built and hashed
  // for nothing when no find_claims answer is cached (~3k instructions a check).
  if (records_young_.empty() && records_old_.empty()) return;
  thread_local std::string key;
  for (auto kind : kKinds) {
    records_key(scope, kind, subject, key);
    records_young_.erase(key);
    records_old_.erase(key);
  }
}

void CachingStore::forget(const Claim& claim) {
  std::lock_guard lock(mu_);
  ++generation_;
  erase(claim.scope, claim.subject);
  evidence_.erase(claim.id);
  erase_records(claim.scope, claim.subject);
  by_id_.erase(claim.id);
}

void CachingStore::forget_all() {
  std::lock_guard lock(mu_);
  ++generation_;
  young_.clear();
  old_.clear();
  evidence_.clear();
  records_young_.clear();
  records_old_.clear();
  by_id_.clear();
}

template <typename Subjects>
Result<std::vector<std::shared_ptr<const Claim>>> CachingStore::collect(const Scope& scope,
                                                                        const Subjects& subjects) {
  std::vector<std::shared_ptr<const Claim>> out;
  out.reserve(subjects.size());
  std::vector<std::string> missing;
  uint64_t generation = 0;
  {
    thread_local std::string key;
    std::lock_guard lock(mu_);
    generation = generation_;
    for (const auto& subject : subjects) {
      make_key(scope, subject, key);
      if (auto claim = lookup(key)) {
        out.push_back(std::move(claim));
      } else {
        missing.emplace_back(subject);
      }
    }
    hits_ += out.size();
    misses_ += missing.size();
  }
  if (missing.empty()) return out;
  auto found = inner().find_identities(scope, missing);
  if (!found.ok()) return found.error();
  const size_t first_fresh = out.size();
  for (auto& claim : *found) out.push_back(std::make_shared<const Claim>(std::move(claim)));
  std::lock_guard lock(mu_);
  if (fill_ && generation == generation_) {  // no write finished meanwhile: the rows are current
    for (size_t i = first_fresh; i < out.size(); ++i) {
      std::string key;
      make_key(scope, out[i]->subject, key);
      put(std::move(key), out[i]);
    }
  }
  return out;
}

Result<std::vector<Claim>> CachingStore::find_identities(const Scope& scope,
                                                         const std::vector<std::string>& subjects) {
  auto found = collect(scope, subjects);
  if (!found.ok()) return found.error();
  std::vector<Claim> out;
  out.reserve(found->size());
  for (const auto& claim : *found) out.push_back(*claim);
  return out;
}

core::Status CachingStore::with_identities(
    const Scope& scope, const std::vector<std::string_view>& subjects,
    const std::function<void(const std::vector<const Claim*>&)>& fn) {
  auto found = collect(scope, subjects);  // holds the claims until fn returns
  if (!found.ok()) return found.error();
  std::vector<const Claim*> claims;
  claims.reserve(found->size());
  for (const auto& claim : *found) claims.push_back(claim.get());
  fn(claims);
  return {};
}

Result<std::optional<Claim>> CachingStore::find_identity(const Scope& scope,
                                                         const std::string& subject) {
  auto found = find_identities(scope, {subject});
  if (!found.ok()) return found.error();
  if (found->empty()) return std::optional<Claim>();
  return std::optional<Claim>(std::move(found->front()));
}

CachingStore::Stats CachingStore::stats() const {
  std::lock_guard lock(mu_);
  return {hits_,
          misses_,
          young_.size() + old_.size(),
          evidence_hits_,
          evidence_misses_,
          evidence_.entries(),
          evidence_.bytes(),
          claim_hits_,
          claim_misses_,
          by_id_.entries()};
}

// ---- claim writes: write through, then forget the entry ----------------------

Result<Claim> CachingStore::insert_claim(Claim claim) {
  auto r = inner().insert_claim(claim);
  forget(claim);
  return r;
}

Result<core::CreateResult> CachingStore::create_claim_once(
    Claim claim, const std::optional<core::IdempotencyKey>& key, const core::CreateRules& rules) {
  if (rules.existing_identity && !key) {
    // An identity in the cache answers without the writer: a repeat Verify
    // stays a read, as it was before the create could find it.
    auto found = find_identity(claim.scope, claim.subject);
    if (!found.ok()) return found.error();
    if (*found)
      return core::CreateResult{core::CreateOutcome::kExisting, std::move(**found), {}, {}};
  }
  auto r = inner().create_claim_once(claim, key, rules);
  forget(claim);
  return r;
}

Result<Claim> CachingStore::update_claim(Claim claim) {
  auto r = inner().update_claim(claim);
  forget(claim);
  return r;
}

Result<Claim> CachingStore::record_check(Claim claim, const std::string& evidence,
                                         std::optional<core::StatusChange> change) {
  auto r = inner().record_check(claim, evidence, change);
  forget(claim);
  return r;
}

std::vector<Result<Claim>> CachingStore::record_checks(std::vector<core::CheckRecord> records) {
  struct Written {
    std::string id;
    Scope scope;
    std::string subject;
  };
  std::vector<Written> written;
  if (sole_writer_) {
    written.reserve(records.size());
    for (const auto& r : records) written.push_back({r.claim.id, r.claim.scope, r.claim.subject});
  }
  auto out = inner().record_checks(std::move(records));
  // Only recorded claims changed: one that lost a race or was deleted was
  // forgotten by whoever changed it. Evidence and records go for every
  // record of the batch, whatever its result said.
  std::lock_guard lock(mu_);
  ++generation_;
  for (const auto& r : out) {
    if (!r.ok()) continue;
    erase(r->scope, r->subject);
    by_id_.erase(r->id);
  }
  for (const auto& w : written) {
    evidence_.erase(w.id);
    erase_records(w.scope, w.subject);
    by_id_.erase(w.id);
  }
  return out;
}

Result<bool> CachingStore::delete_claim(const Scope& scope, const std::string& id) {
  // The entry is keyed by subject; an id's subject never changes, so read it first.
  auto before = inner().get_claim(scope, id);
  auto r = inner().delete_claim(scope, id);
  if (before.ok() && *before) {
    forget(**before);
  } else if (!before.ok()) {
    forget_all();  // the subject is unknown
  }
  std::lock_guard lock(mu_);
  ++generation_;
  evidence_.erase(id);
  by_id_.erase(id);
  return r;
}

Result<std::vector<Claim>> CachingStore::find_claims(const Scope& scope, core::ClaimKind kind,
                                                     const std::vector<std::string>& subjects) {
  if (!sole_writer_ || subjects.size() != 1) return inner().find_claims(scope, kind, subjects);
  std::string key;
  records_key(scope, kind, subjects[0], key);
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    generation = generation_;
    auto it = records_young_.find(key);
    if (it == records_young_.end()) {
      if (auto old = records_old_.find(key); old != records_old_.end()) {
        it = records_young_.insert_or_assign(key, old->second).first;  // kept past a rotation
        records_old_.erase(old);
      }
    }
    if (it != records_young_.end()) return *it->second;
  }
  auto r = inner().find_claims(scope, kind, subjects);
  if (!r.ok()) return r;
  std::lock_guard lock(mu_);
  if (fill_ && generation == generation_) {
    if (records_young_.size() >= capacity_) records_old_ = std::exchange(records_young_, {});
    records_young_.insert_or_assign(std::move(key), std::make_shared<const std::vector<Claim>>(*r));
  }
  return r;
}

core::Status CachingStore::clear_claims() {
  auto s = inner().clear_claims();
  forget_all();
  return s;
}

core::Status CachingStore::restore(const core::Snapshot& snapshot) {
  auto s = inner().restore(snapshot);
  forget_all();
  return s;
}

// ---- last evidence: the identity cache's rules, by claim id --------------------

Result<std::optional<std::string>> CachingStore::last_evidence(const std::string& claim_id) {
  if (!sole_writer_) return inner().last_evidence(claim_id);
  auto entry = evidence_entry(claim_id, true);
  if (!entry.ok()) return entry.error();
  return std::move(entry->text);
}

Result<std::shared_ptr<const core::Evidence>> CachingStore::last_evidence_decoded(
    const std::string& claim_id) {
  if (!sole_writer_) return inner().last_evidence_decoded(claim_id);
  auto entry = evidence_entry(claim_id, false);
  if (!entry.ok()) return entry.error();
  return std::move(entry->decoded);
}

Result<EvidenceCache::Entry> CachingStore::evidence_entry(const std::string& claim_id,
                                                          bool with_text) {
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    generation = generation_;
    if (const auto* hit = evidence_.find(claim_id)) {
      ++evidence_hits_;
      return EvidenceCache::Entry{with_text ? hit->text : std::nullopt, hit->decoded};
    }
    ++evidence_misses_;
  }
  auto text = inner().last_evidence(claim_id);
  if (!text.ok()) return text.error();
  EvidenceCache::Entry entry{std::move(*text), nullptr};
  if (entry.text) {  // decoded outside the lock, once per fill
    if (auto e = core::evidence_from_text(*entry.text))
      entry.decoded = std::make_shared<const core::Evidence>(std::move(*e));
  }
  std::lock_guard lock(mu_);
  if (fill_ && generation == generation_) evidence_.put(claim_id, entry);
  return entry;
}

}  // namespace vouch::store
