// CachingStore's evidence and records caches: last_evidence() (as text and
// decoded) and find_claims() of one subject served from memory after the first read,
// forgotten by every write path, never refilled by a read a write overtook,
// bounded, and off unless this process is the only writer.
#include <gtest/gtest.h>

#include <functional>

#include "core/evidence_json.h"
#include "store/caching_store_test_util.h"

namespace vouch::store {
namespace {

using core::Claim;
using core::ClaimKind;
using core::ClaimStatus;

using testing_util::kScope;
using testing_util::T0;

Claim dkim(int n) {
  Claim c;
  c.id = "id-dkim-" + std::to_string(n);
  c.scope = kScope;
  c.kind = ClaimKind::kSesDkim;
  c.subject = "example.com";
  c.record_name = "t" + std::to_string(n) + "._domainkey.example.com";
  c.token = "t" + std::to_string(n);
  c.created_at = T0;
  c.deadline = T0 + core::kDomainWindow;
  return c;
}

// SQLite, counting the evidence reads that reach it; a hook runs after one
// has read and before it returns: the window where a write can race.
class CountingStore final : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  int reads = 0;
  int record_reads = 0;
  int decoded_reads = 0;  // what the store decodes: only what the cache does not
  std::function<void()> after_read;
  core::Result<std::vector<Claim>> find_claims(const core::Scope& scope, ClaimKind kind,
                                               const std::vector<std::string>& subjects) override {
    ++record_reads;
    return ForwardingStore::find_claims(scope, kind, subjects);
  }
  core::Result<std::optional<std::string>> last_evidence(const std::string& id) override {
    ++reads;
    auto r = ForwardingStore::last_evidence(id);
    if (after_read) std::exchange(after_read, nullptr)();
    return r;
  }
  core::Result<std::shared_ptr<const core::Evidence>> last_evidence_decoded(
      const std::string& id) override {
    ++decoded_reads;
    return ForwardingStore::last_evidence_decoded(id);
  }
};

class CachingStoreEvidenceTest : public testing_util::CachingStoreFixture<CountingStore> {
 protected:
  void SetUp() override { open(); }

  void open(CachingStore::Writers writers = CachingStore::Writers::kOnlyThis,
            size_t capacity = 1024, size_t evidence_bytes = CachingStore::kEvidenceBytes) {
    open_cache(writers, capacity, evidence_bytes);
  }

  // A claim with `evidence` recorded.
  Claim checked(int n, const std::string& evidence) {
    auto c = cache_->insert_claim(dkim(n));
    EXPECT_TRUE(c.ok());
    auto r = cache_->record_check(*c, evidence, std::nullopt);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : Claim{};
  }

  std::optional<std::string> evidence_of(const std::string& id) {
    auto r = cache_->last_evidence(id);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::nullopt;
  }

  // Reads `id` twice (cached), runs `write`, and returns the evidence read
  // next, asserting that it came from the store.
  std::optional<std::string> after(const std::string& id, const std::function<void()>& write) {
    (void)evidence_of(id);
    (void)evidence_of(id);
    const int before = inner_->reads;
    write();
    auto got = evidence_of(id);
    EXPECT_EQ(inner_->reads, before + 1) << "the write left the entry in memory";
    return got;
  }
};

TEST_F(CachingStoreEvidenceTest, RepeatedReadsAreServedFromMemory) {
  Claim c = checked(1, "{\"n\":1}");
  EXPECT_EQ(evidence_of(c.id), "{\"n\":1}");
  EXPECT_EQ(evidence_of(c.id), "{\"n\":1}");
  EXPECT_EQ(evidence_of("id-none"), std::nullopt);
  EXPECT_EQ(evidence_of("id-none"), std::nullopt);  // "none" is kept too
  EXPECT_EQ(inner_->reads, 2);
  const auto s = cache_->stats();
  EXPECT_EQ((std::pair{s.evidence_hits, s.evidence_misses}), (std::pair<uint64_t, uint64_t>{2, 2}));
  EXPECT_EQ(s.evidence_entries, 2u);
  EXPECT_GT(s.evidence_bytes, 0u);
}

TEST_F(CachingStoreEvidenceTest, EveryWritePathForgetsTheEntry) {
  Claim c = checked(1, "{\"n\":1}");
  EXPECT_EQ(after(c.id, [&] { c = *cache_->record_check(c, "{\"n\":2}", std::nullopt); }),
            "{\"n\":2}");
  EXPECT_EQ(after(c.id,
                  [&] {
                    auto out = cache_->record_checks({{c, "{\"n\":3}", std::nullopt}});
                    ASSERT_TRUE(out[0].ok());
                    c = *out[0];
                  }),
            "{\"n\":3}");
  EXPECT_EQ(after(c.id,
                  [&] {
                    c.attempts = 7;
                    c = *cache_->update_claim(c);
                  }),
            "{\"n\":3}");
  EXPECT_EQ(after(c.id, [&] { ASSERT_TRUE(*cache_->delete_claim(kScope, c.id)); }), std::nullopt);
  Claim d = checked(2, "{\"d\":1}");
  EXPECT_EQ(after(d.id, [&] { ASSERT_TRUE(cache_->clear_claims().ok()); }), std::nullopt);
  // A new claim under an id read before (as absent) is read afresh.
  EXPECT_EQ(after(d.id, [&] { d = checked(2, "{\"d\":2}"); }), "{\"d\":2}");
}

TEST_F(CachingStoreEvidenceTest, ARestoreForgetsEverything) {
  Claim c = checked(1, "{\"n\":1}");
  auto snap = cache_->snapshot();
  ASSERT_TRUE(snap.ok());
  open();  // an empty store, where the id has no evidence yet
  EXPECT_EQ(after(c.id, [&] { ASSERT_TRUE(cache_->restore(*snap).ok()); }), "{\"n\":1}");
}

TEST_F(CachingStoreEvidenceTest, AReadOvertakenByAWriteIsNotKept) {
  Claim c = checked(1, "{\"n\":1}");
  inner_->after_read = [&] {
    ASSERT_TRUE(cache_->record_check(c, "{\"n\":2}", std::nullopt).ok());
  };
  EXPECT_EQ(evidence_of(c.id), "{\"n\":1}");  // what it read
  EXPECT_EQ(evidence_of(c.id), "{\"n\":2}");
  EXPECT_EQ(evidence_of(c.id), "{\"n\":2}");  // and now kept
  EXPECT_EQ(inner_->reads, 2);
}

TEST_F(CachingStoreEvidenceTest, BoundedInBytes) {
  const std::string text(1000, 'e');
  const size_t bound = 8 * EvidenceCache::cost("id-dkim-10", text);
  open(CachingStore::Writers::kOnlyThis, 1024, bound);
  for (int i = 10; i < 60; ++i) {
    Claim c = checked(i, text);
    EXPECT_EQ(evidence_of(c.id), text);
    EXPECT_LE(cache_->stats().evidence_bytes, bound);
  }
  EXPECT_LE(cache_->stats().evidence_entries, 8u);
  EXPECT_GE(cache_->stats().evidence_entries, 4u);
}

TEST_F(CachingStoreEvidenceTest, OffWhenOthersWriteOrTheCacheIsOff) {
  for (auto [writers, capacity] : {std::pair{CachingStore::Writers::kAlsoElsewhere, size_t{1024}},
                                   std::pair{CachingStore::Writers::kOnlyThis, size_t{0}}}) {
    open(writers, capacity);
    cache_->following_elsewhere(true);
    Claim c = checked(1, "{\"n\":1}");
    EXPECT_EQ(evidence_of(c.id), "{\"n\":1}");
    EXPECT_EQ(evidence_of(c.id), "{\"n\":1}");
    EXPECT_EQ(inner_->reads, 2);
    EXPECT_EQ(cache_->stats().evidence_entries, 0u);
  }
}

// ---- decoded evidence ------------------------------------------------------------

std::string evidence_at(int seconds, core::CheckOutcome outcome) {
  core::Evidence e;
  e.at = T0 + std::chrono::seconds(seconds);
  e.record_name = "t1._domainkey.example.com";
  e.expected = "t1.dkim.amazonses.com";
  e.quorum = 2;
  e.outcome = outcome;
  return core::evidence_text(e);
}

TEST_F(CachingStoreEvidenceTest, DecodedEvidenceIsSharedFromMemoryUntilAWrite) {
  Claim c = checked(1, evidence_at(1, core::CheckOutcome::kAbsent));
  auto first = cache_->last_evidence_decoded(c.id);
  auto second = cache_->last_evidence_decoded(c.id);
  ASSERT_TRUE(first.ok() && second.ok() && *first);
  EXPECT_EQ(first->get(), second->get());  // the one decoded copy
  EXPECT_EQ((*first)->outcome, core::CheckOutcome::kAbsent);
  EXPECT_EQ(evidence_of(c.id), evidence_at(1, core::CheckOutcome::kAbsent));  // the text beside it
  EXPECT_EQ((std::pair{inner_->reads, inner_->decoded_reads}), (std::pair{1, 0}));

  c = *cache_->record_check(c, evidence_at(2, core::CheckOutcome::kFound), std::nullopt);
  auto fresh = cache_->last_evidence_decoded(c.id);
  ASSERT_TRUE(fresh.ok() && *fresh);
  EXPECT_EQ((*fresh)->outcome, core::CheckOutcome::kFound);
  EXPECT_EQ((*fresh)->at, T0 + std::chrono::seconds(2));
  EXPECT_EQ(inner_->reads, 2);
  EXPECT_EQ((*first)->outcome, core::CheckOutcome::kAbsent);  // a holder keeps what it read

  // Text that is not DNS evidence (an address's "{}") and no evidence: nullptr.
  Claim d = checked(2, "{}");
  EXPECT_EQ(*cache_->last_evidence_decoded(d.id), nullptr);
  EXPECT_EQ(evidence_of(d.id), "{}");
  EXPECT_EQ(*cache_->last_evidence_decoded("id-none"), nullptr);
}

TEST_F(CachingStoreEvidenceTest, DecodedEvidenceWhenOthersWriteComesFromTheStore) {
  open(CachingStore::Writers::kAlsoElsewhere);
  cache_->following_elsewhere(true);
  Claim c = checked(1, evidence_at(1, core::CheckOutcome::kResolverError));
  for (int i = 0; i < 2; ++i) {
    auto e = cache_->last_evidence_decoded(c.id);
    ASSERT_TRUE(e.ok() && *e);
    EXPECT_EQ((*e)->outcome, core::CheckOutcome::kResolverError);
  }
  EXPECT_EQ(inner_->decoded_reads, 2);
  EXPECT_EQ(cache_->stats().evidence_entries, 0u);
}

// ---- find_claims() of one subject ----------------------------------------------

TEST_F(CachingStoreEvidenceTest, ADomainsRecordsAreServedFromMemoryUntilOneIsWritten) {
  const auto records = [&] {
    auto r = cache_->find_claims(kScope, ClaimKind::kSesDkim, {"example.com"});
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::vector<Claim>{};
  };
  Claim a = checked(1, "{}");
  Claim b = checked(2, "{}");
  ASSERT_EQ(records().size(), 2u);
  ASSERT_EQ(records().size(), 2u);
  EXPECT_EQ(inner_->record_reads, 1);
  // Two subjects at once: always the store.
  ASSERT_TRUE(cache_->find_claims(kScope, ClaimKind::kSesDkim, {"example.com", "b.com"}).ok());
  EXPECT_EQ(inner_->record_reads, 2);

  const auto write_then_read = [&](const std::function<void()>& write) {
    const int before = inner_->record_reads;
    write();
    auto got = records();
    EXPECT_EQ(inner_->record_reads, before + 1) << "the write left the records in memory";
    return got;
  };
  a.attempts = 5;
  EXPECT_EQ(write_then_read([&] { a = *cache_->update_claim(a); })[0].attempts, 5);
  EXPECT_EQ(write_then_read([&] { a = *cache_->record_check(a, "{}", std::nullopt); })[0].attempts,
            5);
  EXPECT_EQ(write_then_read([&] {
              b.attempts = 9;
              ASSERT_TRUE(cache_->record_checks({{b, "{}", std::nullopt}})[0].ok());
            })[1]
                .attempts,
            9);
  EXPECT_EQ(write_then_read([&] { (void)checked(3, "{}"); }).size(), 3u);
  EXPECT_EQ(write_then_read([&] { ASSERT_TRUE(*cache_->delete_claim(kScope, a.id)); }).size(), 2u);
  EXPECT_EQ(write_then_read([&] { ASSERT_TRUE(cache_->clear_claims().ok()); }).size(), 0u);
  // Another subject's write leaves them: the control.
  (void)checked(4, "{}");
  ASSERT_EQ(records().size(), 1u);
  Claim other = dkim(5);
  other.subject = "other.example";
  ASSERT_TRUE(cache_->insert_claim(other).ok());
  const int before = inner_->record_reads;
  EXPECT_EQ(records().size(), 1u);
  EXPECT_EQ(inner_->record_reads, before);
}

TEST_F(CachingStoreEvidenceTest, RecordsAreNotCachedWhenOthersWrite) {
  open(CachingStore::Writers::kAlsoElsewhere);
  cache_->following_elsewhere(true);
  (void)checked(1, "{}");
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(cache_->find_claims(kScope, ClaimKind::kSesDkim, {"example.com"}).ok());
  }
  EXPECT_EQ(inner_->record_reads, 2);
}

}  // namespace
}  // namespace vouch::store
