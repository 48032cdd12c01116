// CachingStore's own promises, beyond the Store contract it also passes (see
// store_contract_test.cc): repeated reads are served from memory, and a read
// never leaves a row in the cache that a finished write has replaced.
#include "store/caching_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

#include "store/caching_store_test_util.h"

namespace vouch::store {
namespace {

using core::Claim;
using core::ClaimKind;
using core::ClaimStatus;

using testing_util::kScope;
using testing_util::T0;

Claim domain(const std::string& subject, int n) {
  Claim c;
  char id[32];
  std::snprintf(id, sizeof id, "id-%020d", n);
  c.id = id;
  c.scope = kScope;
  c.kind = ClaimKind::kSesDomain;
  c.subject = subject;
  c.record_name = "_amazonses." + subject;
  c.token = "token-" + subject;
  c.created_at = T0;
  c.deadline = T0 + core::kDomainWindow;
  return c;
}

// The SQLite store with a hook that runs after each find_identities has read
// its rows and before it returns them: the window where a write can race.
class HookedStore final : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  std::function<void()> after_read;
  core::Result<std::vector<Claim>> find_identities(
      const core::Scope& scope, const std::vector<std::string>& subjects) override {
    auto r = ForwardingStore::find_identities(scope, subjects);
    if (after_read) std::exchange(after_read, nullptr)();
    return r;
  }
  int creates = 0;  // create_claim_once calls that reached the store
  core::Result<core::CreateResult> create_claim_once(Claim claim,
                                                     const std::optional<core::IdempotencyKey>& key,
                                                     const core::CreateRules& rules) override {
    ++creates;
    return ForwardingStore::create_claim_once(std::move(claim), key, rules);
  }
};

class CachingStoreTest : public testing_util::CachingStoreFixture<HookedStore> {
 protected:
  void SetUp() override { open(CachingStore::Writers::kOnlyThis); }

  void open(CachingStore::Writers writers) { open_cache(writers, 1024); }

  // Another node's write: straight to the store, past the cache.
  void verify_elsewhere(const std::string& subject) {
    auto r = inner_->find_identity(kScope, subject);
    ASSERT_TRUE(r.ok() && r->has_value());
    Claim v = **r;
    v.status = ClaimStatus::kVerified;
    ASSERT_TRUE(inner_->update_claim(v).ok());
  }

  Claim add(const std::string& subject) {
    auto r = cache_->insert_claim(domain(subject, ++n_));
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : Claim{};
  }

  ClaimStatus status_of(const std::string& subject) {
    auto r = cache_->find_identity(kScope, subject);
    EXPECT_TRUE(r.ok() && r->has_value()) << subject;
    return r.ok() && *r ? (*r)->status : ClaimStatus::kFailed;
  }

  int n_ = 0;
};

TEST_F(CachingStoreTest, RepeatedReadsAreServedFromMemory) {
  add("a.example.com");
  add("b.example.com");
  auto first = cache_->find_identities(kScope,
                                       {"a.example.com", "b.example.com", "none.example.com"});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->size(), 2u);
  EXPECT_EQ(cache_->stats().hits, 0u);
  EXPECT_EQ(cache_->stats().entries, 2u);
  auto second = cache_->find_identities(kScope,
                                        {"a.example.com", "b.example.com", "none.example.com"});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->size(), 2u);
  EXPECT_EQ(cache_->stats().hits, 2u);  // the absent one is asked of the store again
  EXPECT_EQ(cache_->stats().misses, 4u);
}

TEST_F(CachingStoreTest, ACreateFindingACachedIdentityAnswersWithoutTheWriter) {
  Claim a = add("a.example.com");
  EXPECT_EQ(status_of("a.example.com"), ClaimStatus::kPending);  // now cached
  core::CreateRules rules;
  rules.one_live_per_subject = false;
  rules.existing_identity = true;
  rules.now = T0;
  auto again = cache_->create_claim_once(domain("a.example.com", 99), std::nullopt, rules);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, core::CreateOutcome::kExisting);
  EXPECT_EQ(again->claim.id, a.id);
  EXPECT_EQ(inner_->creates, 0);
  // The control: a subject the store does not hold goes to it, and is created.
  auto fresh = cache_->create_claim_once(domain("b.example.com", 100), std::nullopt, rules);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->outcome, core::CreateOutcome::kCreated);
  EXPECT_EQ(inner_->creates, 1);
  EXPECT_EQ(status_of("b.example.com"), ClaimStatus::kPending);
}

TEST_F(CachingStoreTest, ScopesDoNotShareEntries) {
  add("a.example.com");
  ASSERT_EQ(status_of("a.example.com"), ClaimStatus::kPending);
  for (const core::Scope& other :
       {core::Scope{"111122223333", "eu-west-1"}, core::Scope{"444455556666", "us-east-1"}}) {
    auto r = cache_->find_identity(other, "a.example.com");
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->has_value());
  }
  EXPECT_EQ(status_of("a.example.com"), ClaimStatus::kPending);  // still cached for its own scope
}

TEST_F(CachingStoreTest, EveryClaimWriteIsSeenByTheNextRead) {
  Claim c = add("a.example.com");
  ASSERT_EQ(status_of("a.example.com"), ClaimStatus::kPending);

  c.status = ClaimStatus::kVerified;
  auto updated = cache_->update_claim(c);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(status_of("a.example.com"), ClaimStatus::kVerified);

  Claim checked = *updated;
  checked.status = ClaimStatus::kUnconfirmed;
  auto recorded = cache_->record_check(
      checked, "{}", core::StatusChange{T0, ClaimStatus::kVerified, ClaimStatus::kUnconfirmed});
  ASSERT_TRUE(recorded.ok());
  EXPECT_EQ(status_of("a.example.com"), ClaimStatus::kUnconfirmed);

  auto deleted = cache_->delete_claim(kScope, c.id);
  ASSERT_TRUE(deleted.ok() && *deleted);
  auto gone = cache_->find_identity(kScope, "a.example.com");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());

  add("b.example.com");
  ASSERT_EQ(status_of("b.example.com"), ClaimStatus::kPending);
  ASSERT_TRUE(cache_->clear_claims().ok());
  auto cleared = cache_->find_identity(kScope, "b.example.com");
  ASSERT_TRUE(cleared.ok());
  EXPECT_FALSE(cleared->has_value());
  EXPECT_EQ(cache_->stats().entries, 0u);
}

// A batch of check results: each recorded claim's next read sees it; one
// that lost its compare-and-set changed nothing, and stays served as it was.
TEST_F(CachingStoreTest, RecordedChecksAreSeenByTheNextRead) {
  Claim a = add("a.example.com");
  Claim b = add("b.example.com");
  ASSERT_EQ(status_of("a.example.com"), ClaimStatus::kPending);
  ASSERT_EQ(status_of("b.example.com"), ClaimStatus::kPending);
  const auto reads = cache_->stats().misses;

  Claim a_checked = a;
  a_checked.status = ClaimStatus::kVerified;
  Claim b_stale = b;
  b_stale.version -= 1;  // lost a race: the store refuses it
  b_stale.status = ClaimStatus::kVerified;
  std::vector<core::CheckRecord> batch;
  batch.push_back(
      {a_checked, "{}", core::StatusChange{T0, ClaimStatus::kPending, ClaimStatus::kVerified}});
  batch.push_back(
      {b_stale, "{}", core::StatusChange{T0, ClaimStatus::kPending, ClaimStatus::kVerified}});
  auto out = cache_->record_checks(std::move(batch));
  ASSERT_EQ(out.size(), 2u);
  ASSERT_TRUE(out[0].ok());
  ASSERT_FALSE(out[1].ok());

  EXPECT_EQ(status_of("a.example.com"), ClaimStatus::kVerified);
  EXPECT_EQ(status_of("b.example.com"), ClaimStatus::kPending);
  EXPECT_EQ(cache_->stats().misses, reads + 1) << "only the recorded claim was read again";
}

TEST_F(CachingStoreTest, ARowReadBeforeARacingWriteIsNotCached) {
  Claim c = add("a.example.com");
  // The read gets the pending row; before it returns, a write through the
  // cache verifies the claim. The stale row must not be kept.
  inner_->after_read = [&] {
    Claim v = c;
    v.status = ClaimStatus::kVerified;
    ASSERT_TRUE(cache_->update_claim(v).ok());
  };
  EXPECT_EQ(status_of("a.example.com"), ClaimStatus::kPending);  // what it read
  EXPECT_EQ(status_of("a.example.com"), ClaimStatus::kVerified);
}

TEST_F(CachingStoreTest, ConcurrentReadersEndWithTheLastWrite) {
  Claim c = add("a.example.com");
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      while (!done) (void)cache_->find_identity(kScope, "a.example.com");
    });
  }
  for (int i = 0; i < 300; ++i) {
    c.attempts = i;
    auto r = cache_->update_claim(c);
    ASSERT_TRUE(r.ok());
    c = *r;
  }
  done = true;
  for (auto& t : readers) t.join();
  auto r = cache_->find_identity(kScope, "a.example.com");
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->attempts, 299);
  EXPECT_EQ((*r)->version, c.version);
}

TEST_F(CachingStoreTest, OldGenerationIsDroppedWhenTheYoungOneFills) {
  auto sqlite = sqlite::SqliteStore::open(dir_.file("small.db"));
  ASSERT_TRUE(sqlite.ok());
  CachingStore small(std::move(*sqlite), 2);
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(small.insert_claim(domain("d" + std::to_string(i) + ".example.com", 100 + i)).ok());
    ASSERT_TRUE(small.find_identity(kScope, "d" + std::to_string(i) + ".example.com").ok());
  }
  EXPECT_LE(small.stats().entries, 4u);
  EXPECT_GE(small.stats().entries, 2u);
}

// ---- a store other nodes write too (store/postgres/followed_cache.h) ---------

const std::string kKeyA = "111122223333\x1fus-east-1\x1f"
                          "a.example.com";

TEST_F(CachingStoreTest, AChangeElsewhereErasesItsKeyOnly) {
  add("a.example.com");
  add("b.example.com");
  ASSERT_EQ(status_of("a.example.com"), ClaimStatus::kPending);
  ASSERT_EQ(status_of("b.example.com"), ClaimStatus::kPending);
  verify_elsewhere("a.example.com");
  verify_elsewhere("b.example.com");
  // Unheard, the writes elsewhere leave the cache stale: it serves from memory.
  EXPECT_EQ(status_of("a.example.com"), ClaimStatus::kPending);
  cache_->changed_elsewhere(kKeyA);
  EXPECT_EQ(status_of("a.example.com"), ClaimStatus::kVerified);
  EXPECT_EQ(status_of("b.example.com"), ClaimStatus::kPending);  // not named
  cache_->changed_elsewhere("*");
  EXPECT_EQ(status_of("b.example.com"), ClaimStatus::kVerified);
}

TEST_F(CachingStoreTest, ARowReadBeforeAChangeElsewhereIsNotCached) {
  add("a.example.com");
  inner_->after_read = [&] {
    verify_elsewhere("a.example.com");
    cache_->changed_elsewhere(kKeyA);
  };
  EXPECT_EQ(status_of("a.example.com"), ClaimStatus::kPending);  // what it read
  EXPECT_EQ(status_of("a.example.com"), ClaimStatus::kVerified);
}

TEST_F(CachingStoreTest, NothingIsCachedWhileChangesElsewhereMayGoUnheard) {
  open(CachingStore::Writers::kAlsoElsewhere);
  add("a.example.com");
  ASSERT_EQ(status_of("a.example.com"), ClaimStatus::kPending);
  EXPECT_EQ(cache_->stats().entries, 0u) << "not following yet";
  cache_->following_elsewhere(true);
  ASSERT_EQ(status_of("a.example.com"), ClaimStatus::kPending);
  EXPECT_EQ(cache_->stats().entries, 1u) << "following: cached";
  cache_->following_elsewhere(false);  // the listener lost its connection
  EXPECT_EQ(cache_->stats().entries, 0u);
  verify_elsewhere("a.example.com");  // unheard
  EXPECT_EQ(status_of("a.example.com"), ClaimStatus::kVerified);
  EXPECT_EQ(cache_->stats().entries, 0u);
}

TEST_F(CachingStoreTest, FollowingAgainDropsWhatWasReadMeanwhile) {
  open(CachingStore::Writers::kAlsoElsewhere);
  add("a.example.com");
  cache_->following_elsewhere(true);
  ASSERT_EQ(status_of("a.example.com"), ClaimStatus::kPending);
  ASSERT_EQ(cache_->stats().entries, 1u);
  cache_->following_elsewhere(true);  // a reconnect: changes may have been missed
  EXPECT_EQ(cache_->stats().entries, 0u);
  // A read that began before the listener came back is not kept either.
  cache_->following_elsewhere(false);
  inner_->after_read = [&] { cache_->following_elsewhere(true); };
  ASSERT_EQ(status_of("a.example.com"), ClaimStatus::kPending);
  EXPECT_EQ(cache_->stats().entries, 0u);
  ASSERT_EQ(status_of("a.example.com"), ClaimStatus::kPending);
  EXPECT_EQ(cache_->stats().entries, 1u);  // control: a read after it is
}

}  // namespace
}  // namespace vouch::store
