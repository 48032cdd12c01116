// A Store that keeps recently read SES identities in memory, in front of
// another Store. GetIdentityVerificationAttributes asks for up to 100
// identities per call, and applications poll it; without the cache each call
// is 100 index seeks and row decodes.
//
// Correct when every write to the claims goes through this object (one
// process owning its store: the embedded SQLite default; `serve` locks the
// data directory), or when every write elsewhere is reported through
// changed_elsewhere() (a fleet on PostgreSQL: postgres/change_listener.h).
// Such a cache starts not following: it caches nothing until
// following_elsewhere(true), and drops everything whenever that changes,
// since the changes made meanwhile are unknown.
//
// Coherence: writes erase the identity's entry after the inner write returns,
// and a read fills the cache only if no write finished while it was reading
// (a generation counter), so a stale row is never put back.
//
// When this process is the only writer it also keeps claims' last evidence
// (last_evidence(), by claim id, as text and decoded; GetEmailIdentity reads
// it per DKIM record), bounded in bytes, and the claims of one kind and
// subject (find_claims() of one subject: a domain's DKIM records), forgotten
// by every write of a claim of that subject, under the same rules.
//
// It also keeps claims read by id (get_claim(): GetDomainVerification), by
// the identity cache's rules, including a fleet's (a change heard from
// elsewhere finds them by key); leases forget them too, since they move
// next_check_at.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/store.h"
#include "store/claim_id_cache.h"
#include "store/evidence_cache.h"
#include "store/forwarding_store.h"

namespace vouch::store {

class CachingStore final : public ForwardingStore {
 public:
  enum class Writers { kOnlyThis, kAlsoElsewhere };
  static constexpr size_t kEvidenceBytes = 16 << 20;
  // Keeps up to about 2 * `capacity` identities (two generations), as many
  // claims by id and, with kOnlyThis and a capacity, about `evidence_bytes`
  // of evidence.
  CachingStore(std::unique_ptr<core::Store> inner, size_t capacity,
               Writers writers = Writers::kOnlyThis, size_t evidence_bytes = kEvidenceBytes);

  // A claim written elsewhere, by its key (account \x1f region \x1f subject);
  // "*" for every claim.
  void changed_elsewhere(std::string_view key);
  // Whether every change made elsewhere reaches changed_elsewhere() from now on.
  void following_elsewhere(bool following);

  core::Result<std::optional<core::Claim>> find_identity(const core::Scope& scope,
                                                         const std::string& subject) override;
  core::Result<std::optional<core::Claim>> get_claim(const core::Scope& scope,
                                                     const std::string& id) override;
  core::Result<std::vector<core::Claim>> lease_due_claims(core::TimePoint now,
                                                          core::TimePoint lease_until,
                                                          size_t limit) override;
  core::Result<std::vector<core::Claim>> find_identities(
      const core::Scope& scope, const std::vector<std::string>& subjects) override;
  core::Status with_identities(
      const core::Scope& scope, const std::vector<std::string_view>& subjects,
      const std::function<void(const std::vector<const core::Claim*>&)>& fn) override;
  // Read at once from what this holds (ClaimStore's way), not the inner store's.
  void with_identities_later(const core::Scope& scope, std::vector<std::string> subjects,
                             IdentitiesDone fn) override {
    core::ClaimStore::with_identities_later(scope, std::move(subjects), std::move(fn));
  }
  bool queues_identity_read(size_t) const override { return false; }
  core::Result<core::Claim> insert_claim(core::Claim claim) override;
  core::Result<core::CreateResult> create_claim_once(core::Claim claim,
                                                     const std::optional<core::IdempotencyKey>& key,
                                                     const core::CreateRules& rules) override;
  core::Result<core::Claim> update_claim(core::Claim claim) override;
  core::Result<core::Claim> record_check(core::Claim claim, const std::string& evidence,
                                         std::optional<core::StatusChange> change) override;
  std::vector<core::Result<core::Claim>> record_checks(
      std::vector<core::CheckRecord> records) override;
  core::Result<bool> delete_claim(const core::Scope& scope, const std::string& id) override;
  core::Status clear_claims() override;
  core::Status restore(const core::Snapshot& snapshot) override;
  core::Result<std::optional<std::string>> last_evidence(const std::string& claim_id) override;
  core::Result<std::shared_ptr<const core::Evidence>> last_evidence_decoded(
      const std::string& claim_id) override;
  core::Result<std::vector<core::Claim>> find_claims(
      const core::Scope& scope, core::ClaimKind kind,
      const std::vector<std::string>& subjects) override;

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    size_t entries = 0;
    uint64_t evidence_hits = 0;
    uint64_t evidence_misses = 0;
    size_t evidence_entries = 0;
    size_t evidence_bytes = 0;
    uint64_t claim_hits = 0;  // get_claim()
    uint64_t claim_misses = 0;
    size_t claim_entries = 0;
  };
  Stats stats() const;

 private:
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map =
      std::unordered_map<std::string, std::shared_ptr<const core::Claim>, KeyHash, std::equal_to<>>;
  using Records = std::unordered_map<std::string, std::shared_ptr<const std::vector<core::Claim>>,
                                     KeyHash, std::equal_to<>>;

  // The identities among `subjects`, from memory or else from the store.
  template <typename Subjects>
  core::Result<std::vector<std::shared_ptr<const core::Claim>>> collect(const core::Scope& scope,
                                                                        const Subjects& subjects);
  // Forgets the claim's identity entry after a write of it.
  void forget(const core::Claim& claim);
  void forget_all();
  void erase(const core::Scope& scope, std::string_view subject);  // under mu_
  void erase_key(std::string_view key);                            // under mu_
  // Under mu_: the find_claims() entries of the subject, every kind.
  void erase_records(const core::Scope& scope, std::string_view subject);
  // Under mu_: the entry for `key`, promoted to the young generation.
  std::shared_ptr<const core::Claim> lookup(std::string_view key);
  void put(std::string key, std::shared_ptr<const core::Claim> claim);  // under mu_
  // The claim's last evidence from memory, else read, decoded and kept; the
  // text (a copy) only `with_text`.
  core::Result<EvidenceCache::Entry> evidence_entry(const std::string& claim_id, bool with_text);

  const size_t capacity_;
  mutable std::mutex mu_;
  Map young_;                     // GUARDED_BY(mu_)
  Map old_;                       // GUARDED_BY(mu_); dropped whole when young_ fills
  uint64_t generation_ = 0;       // GUARDED_BY(mu_); bumped by every claim write
  bool fill_ = true;              // GUARDED_BY(mu_); false while changes may go unseen
  uint64_t hits_ = 0;             // GUARDED_BY(mu_)
  uint64_t misses_ = 0;           // GUARDED_BY(mu_)
  const bool sole_writer_;        // evidence and records are cached too
  EvidenceCache evidence_;        // GUARDED_BY(mu_)
  Records records_young_;         // GUARDED_BY(mu_)
  Records records_old_;           // GUARDED_BY(mu_)
  uint64_t evidence_hits_ = 0;    // GUARDED_BY(mu_)
  uint64_t evidence_misses_ = 0;  // GUARDED_BY(mu_)
  ClaimIdCache by_id_;            // GUARDED_BY(mu_)
  uint64_t claim_hits_ = 0;       // GUARDED_BY(mu_)
  uint64_t claim_misses_ = 0;     // GUARDED_BY(mu_)
};

}  // namespace vouch::store
