// CachingStore's claims by id: get_claim() served from memory after the first
// read, forgotten by every write path (leases too), never refilled by a read
// a write overtook, and in a fleet only while following, forgotten by a
// change heard under the claim's key.
#include <gtest/gtest.h>

#include <functional>

#include "store/caching_store_test_util.h"

namespace vouch::store {
namespace {

using core::Claim;
using core::ClaimKind;
using core::ClaimStatus;

using testing_util::kScope;
using testing_util::T0;

Claim lattice(int n, const std::string& subject = "example.com") {
  Claim c;
  char id[32];
  std::snprintf(id, sizeof id, "dv-%017x", n);
  c.id = id;
  c.scope = kScope;
  c.kind = ClaimKind::kLatticeDomain;
  c.subject = subject;
  c.record_name = "_label." + subject;
  c.token = "token-" + std::to_string(n);
  c.created_at = T0;
  c.deadline = T0 + core::kDomainWindow;
  c.next_check_at = T0;
  return c;
}

// SQLite, counting the get_claim() calls that reach it; a hook runs after
// one has read and before it returns: the window where a write can race.
class CountingStore final : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  int reads = 0;
  std::function<void()> after_read;
  core::Result<std::optional<Claim>> get_claim(const core::Scope& scope,
                                               const std::string& id) override {
    ++reads;
    auto r = ForwardingStore::get_claim(scope, id);
    if (after_read) std::exchange(after_read, nullptr)();
    return r;
  }
};

class CachingStoreByIdTest : public testing_util::CachingStoreFixture<CountingStore> {
 protected:
  void SetUp() override { open(); }

  void open(CachingStore::Writers writers = CachingStore::Writers::kOnlyThis,
            size_t capacity = 1024) {
    open_cache(writers, capacity);
  }

  Claim add(int n, const std::string& subject = "example.com") {
    auto r = cache_->insert_claim(lattice(n, subject));
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : Claim{};
  }

  std::optional<Claim> get(const std::string& id, const core::Scope& scope = kScope) {
    auto r = cache_->get_claim(scope, id);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::nullopt;
  }

  // Reads `id` twice, the second from memory (the control), runs `write`,
  // and returns the claim read next, asserting that it came from the store.
  std::optional<Claim> after(const std::string& id, const std::function<void()>& write) {
    (void)get(id);
    const int before = inner_->reads;
    (void)get(id);
    EXPECT_EQ(inner_->reads, before) << "the second read reached the store";
    write();
    const int written = inner_->reads;  // a delete reads the claim first
    auto got = get(id);
    EXPECT_EQ(inner_->reads, written + 1) << "the write left the claim in memory";
    return got;
  }
};

TEST_F(CachingStoreByIdTest, RepeatedReadsAreServedFromMemory) {
  Claim c = add(1);
  EXPECT_EQ(get(c.id)->token, c.token);
  EXPECT_EQ(get(c.id)->version, c.version);
  EXPECT_EQ(get("dv-00000000000000bad"), std::nullopt);
  EXPECT_EQ(get("dv-00000000000000bad"), std::nullopt);  // absent is asked again
  EXPECT_EQ(inner_->reads, 3);
  const auto s = cache_->stats();
  EXPECT_EQ((std::pair{s.claim_hits, s.claim_misses}), (std::pair<uint64_t, uint64_t>{1, 3}));
  EXPECT_EQ(s.claim_entries, 1u);
}

TEST_F(CachingStoreByIdTest, AnotherScopeIsAskedOfTheStore) {
  Claim c = add(1);
  ASSERT_TRUE(get(c.id));
  for (const core::Scope& other :
       {core::Scope{"111122223333", "eu-west-1"}, core::Scope{"444455556666", "us-east-1"}}) {
    EXPECT_EQ(get(c.id, other), std::nullopt);
  }
  EXPECT_EQ(inner_->reads, 3);
  EXPECT_TRUE(get(c.id));  // still held for its own
  EXPECT_EQ(inner_->reads, 3);
}

TEST_F(CachingStoreByIdTest, EveryWritePathForgetsTheClaim) {
  Claim c = add(1);
  c.attempts = 3;
  EXPECT_EQ(after(c.id, [&] { c = *cache_->update_claim(c); })->attempts, 3);
  c.status = ClaimStatus::kVerified;
  EXPECT_EQ(after(c.id, [&] { c = *cache_->record_check(c, "{}", std::nullopt); })->status,
            ClaimStatus::kVerified);
  c.attempts = 4;
  EXPECT_EQ(after(c.id,
                  [&] {
                    auto out = cache_->record_checks({{c, "{}", std::nullopt}});
                    ASSERT_TRUE(out[0].ok());
                    c = *out[0];
                  })
                ->attempts,
            4);
  // A lease moves next_check_at without a new version.
  const core::TimePoint until = T0 + std::chrono::minutes(5);
  EXPECT_EQ(after(c.id, [&] { ASSERT_EQ(cache_->lease_due_claims(T0, until, 10)->size(), 1u); })
                ->next_check_at,
            until);
  EXPECT_EQ(after(c.id, [&] { ASSERT_TRUE(*cache_->delete_claim(kScope, c.id)); }), std::nullopt);
  Claim d = add(2);
  EXPECT_EQ(after(d.id, [&] { ASSERT_TRUE(cache_->clear_claims().ok()); }), std::nullopt);
  Claim e = add(3);
  auto snap = cache_->snapshot();
  ASSERT_TRUE(snap.ok());
  ASSERT_TRUE(cache_->update_claim(e).ok());
  EXPECT_EQ(after(e.id,
                  [&] {
                    ASSERT_TRUE(inner_->clear_claims().ok());  // past the cache: restore needs
                    ASSERT_TRUE(cache_->restore(*snap).ok());  // an empty store
                  })
                ->version,
            e.version);
}

TEST_F(CachingStoreByIdTest, AnotherClaimsWriteLeavesIt) {
  Claim a = add(1);
  Claim b = add(2, "other.example");
  ASSERT_TRUE(get(a.id));
  b.attempts = 2;
  ASSERT_TRUE(cache_->update_claim(b).ok());
  ASSERT_TRUE(cache_->record_checks({{*get(b.id), "{}", std::nullopt}})[0].ok());
  const int before = inner_->reads;
  EXPECT_TRUE(get(a.id));
  EXPECT_EQ(inner_->reads, before);
}

TEST_F(CachingStoreByIdTest, AReadOvertakenByAWriteIsNotKept) {
  Claim c = add(1);
  Claim changed = c;
  changed.attempts = 9;
  inner_->after_read = [&] { ASSERT_TRUE(cache_->update_claim(changed).ok()); };
  EXPECT_EQ(get(c.id)->attempts, 0);  // what it read
  EXPECT_EQ(get(c.id)->attempts, 9);
  EXPECT_EQ(get(c.id)->attempts, 9);  // and now kept
  EXPECT_EQ(inner_->reads, 2);
}

TEST_F(CachingStoreByIdTest, BoundedByTheCapacity) {
  open(CachingStore::Writers::kOnlyThis, 4);
  std::vector<Claim> claims;
  for (int i = 1; i <= 40; ++i) {
    claims.push_back(add(i, "d" + std::to_string(i) + ".example"));
    ASSERT_TRUE(get(claims.back().id));
    EXPECT_LE(cache_->stats().claim_entries, 8u);
  }
  EXPECT_GE(cache_->stats().claim_entries, 4u);
  const int before = inner_->reads;
  ASSERT_TRUE(get(claims.front().id));  // long gone
  EXPECT_EQ(inner_->reads, before + 1);
}

TEST_F(CachingStoreByIdTest, OffWithoutACapacity) {
  open(CachingStore::Writers::kOnlyThis, 0);
  Claim c = add(1);
  ASSERT_TRUE(get(c.id));
  ASSERT_TRUE(get(c.id));
  EXPECT_EQ(inner_->reads, 2);
  EXPECT_EQ(cache_->stats().claim_entries, 0u);
}

// ---- a fleet: writes elsewhere are heard by key --------------------------------

TEST_F(CachingStoreByIdTest, InAFleetOnlyWhileFollowing) {
  open(CachingStore::Writers::kAlsoElsewhere);
  Claim c = add(1);
  ASSERT_TRUE(get(c.id));
  ASSERT_TRUE(get(c.id));
  EXPECT_EQ(inner_->reads, 2) << "cached before following";
  cache_->following_elsewhere(true);
  ASSERT_TRUE(get(c.id));
  ASSERT_TRUE(get(c.id));
  EXPECT_EQ(inner_->reads, 3);  // the control: now it does
  cache_->following_elsewhere(false);
  ASSERT_TRUE(get(c.id));
  EXPECT_EQ(inner_->reads, 4) << "kept after the listener went";
}

TEST_F(CachingStoreByIdTest, AChangeHeardByKeyForgetsEveryClaimOfIt) {
  open(CachingStore::Writers::kAlsoElsewhere);
  cache_->following_elsewhere(true);
  Claim a = add(1);
  Claim b = add(2);  // the same domain: a second verification
  Claim other = add(3, "other.example");
  for (const auto* c : {&a, &b, &other}) ASSERT_TRUE(get(c->id));
  const int before = inner_->reads;
  // Another node's write, straight to the store; heard by key.
  Claim changed = a;
  changed.attempts = 6;
  ASSERT_TRUE(inner_->update_claim(changed).ok());
  EXPECT_EQ(get(a.id)->attempts, 0) << "not heard yet: the control";
  cache_->changed_elsewhere("111122223333\x1fus-east-1\x1f"
                            "example.com");
  EXPECT_EQ(get(a.id)->attempts, 6);
  ASSERT_TRUE(get(b.id));
  EXPECT_EQ(inner_->reads, before + 2);
  ASSERT_TRUE(get(other.id));  // another key: still held
  EXPECT_EQ(inner_->reads, before + 2);
  cache_->changed_elsewhere("*");
  ASSERT_TRUE(get(other.id));
  EXPECT_EQ(inner_->reads, before + 3);
}

}  // namespace
}  // namespace vouch::store
