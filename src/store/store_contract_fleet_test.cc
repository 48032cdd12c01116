// The Store contract for what nodes of a fleet share: leases on due claims
// and due mail (each handed to one caller until its lease runs out), and
// settings (the first writer's value wins).
#include <thread>

#include "store/store_contract_test_util.h"

namespace vouch::core::contract {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

Claim due_at(ClaimKind kind, const std::string& subject, TimePoint at) {
  Claim c = make_claim(kScope, kind, subject);
  c.next_check_at = at;
  return c;
}

TEST_P(StoreContractTest, ALeaseHandsOutDueClaimsOnceUntilItRunsOut) {
  Claim a = insert(due_at(ClaimKind::kSesDomain, "a.example", T0 - seconds(2)));
  Claim b = insert(due_at(ClaimKind::kLatticeDomain, "b.example", T0 - seconds(1)));
  Claim later = insert(due_at(ClaimKind::kSesDomain, "later.example", T0 + minutes(1)));
  Claim never = insert(make_claim(kScope, ClaimKind::kSesDomain, "never.example"));
  const TimePoint until = T0 + minutes(5);

  auto got = store().lease_due_claims(T0, until, 100);
  ASSERT_OK(got);
  // Oldest due first, as they were before the lease: same version, same due time.
  EXPECT_EQ(ids_of(*got), (std::vector<std::string>{a.id, b.id}));
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].next_check_at, a.next_check_at);
  EXPECT_EQ((*got)[0].version, a.version);
  // The stored claims carry the lease, and are not handed out again...
  EXPECT_EQ(get(kScope, a.id)->next_check_at, until);
  auto again = store().lease_due_claims(T0 + minutes(2), until, 100);
  ASSERT_OK(again);
  EXPECT_EQ(ids_of(*again), std::vector<std::string>{later.id});  // only what became due
  auto none = store().due_claims(T0 + minutes(2), 100);
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty()) << "leased claims are not due";
  // ...until the lease runs out (a node died holding it).
  auto expired = store().lease_due_claims(until, until + minutes(5), 100);
  ASSERT_OK(expired);
  EXPECT_EQ(ids_of(*expired), (std::vector<std::string>{a.id, b.id, later.id}));
  EXPECT_EQ(get(kScope, never.id)->next_check_at, std::nullopt);
}

TEST_P(StoreContractTest, CountDueClaimsCountsWhatDueClaimsReadsUpToTheCap) {
  Claim a = insert(due_at(ClaimKind::kSesDomain, "a.example", T0 - seconds(3)));
  insert(due_at(ClaimKind::kLatticeDomain, "b.example", T0 - seconds(2)));
  Claim c = insert(due_at(ClaimKind::kSesDomain, "c.example", T0 - seconds(1)));
  insert(due_at(ClaimKind::kSesDomain, "later.example", T0 + minutes(1)));
  insert(make_claim(kScope, ClaimKind::kSesDomain, "never.example"));
  auto due = store().due_claims(T0, 100);
  ASSERT_OK(due);
  ASSERT_EQ(due->size(), 3u);  // the control: what is counted is what is read
  auto n = store().count_due_claims(T0, 100);
  ASSERT_OK(n);
  EXPECT_EQ(n->count, 3u);
  EXPECT_EQ(n->oldest, a.next_check_at);
  auto capped = store().count_due_claims(T0, 2);
  ASSERT_OK(capped);
  EXPECT_EQ(capped->count, 2u);
  auto none = store().count_due_claims(T0 - minutes(1), 100);
  ASSERT_OK(none);
  EXPECT_EQ(none->count, 0u);
  EXPECT_EQ(none->oldest, std::nullopt);
  // Leased claims are not due, so not counted.
  ASSERT_OK(store().lease_due_claims(T0, T0 + minutes(5), 2));
  auto left = store().count_due_claims(T0, 100);
  ASSERT_OK(left);
  EXPECT_EQ(left->count, 1u);
  EXPECT_EQ(left->oldest, c.next_check_at);
}

TEST_P(StoreContractTest, ALeasedClaimIsRecordedByCompareAndSet) {
  Claim a = insert(due_at(ClaimKind::kSesDomain, "a.example", T0));
  Claim b = insert(due_at(ClaimKind::kSesDomain, "b.example", T0));
  auto leased = store().lease_due_claims(T0, T0 + minutes(5), 10);
  ASSERT_OK(leased);
  ASSERT_EQ(leased->size(), 2u);
  // b changes under the lease (re-verified through the API).
  Claim changed = *get(kScope, b.id);
  changed.token = "new-token";
  ASSERT_OK(store().update_claim(changed));
  std::vector<CheckRecord> records;
  for (Claim c : *leased) {
    c.status = ClaimStatus::kVerified;
    c.next_check_at = T0 + hours(24);
    records.push_back({c, "{}", StatusChange{T0, ClaimStatus::kPending, ClaimStatus::kVerified}});
  }
  auto out = store().record_checks(std::move(records));
  ASSERT_EQ(out.size(), 2u);
  ASSERT_OK(out[0]);
  EXPECT_EQ(get(kScope, a.id)->next_check_at, T0 + hours(24));  // the real next check
  ASSERT_FALSE(out[1].ok());
  EXPECT_EQ(out[1].error().code, ErrorCode::kAborted);
  EXPECT_EQ(get(kScope, b.id)->token, "new-token");
}

TEST_P(StoreContractTest, RecordChecksWithOneClaimTwiceKeepsTheFirstAndAbortsTheSecond) {
  Claim a = insert(due_at(ClaimKind::kSesDomain, "twice.example", T0));
  Claim first = a, second = a;
  first.status = ClaimStatus::kVerified;
  second.attempts = 9;
  std::vector<CheckRecord> records;
  records.push_back(
      {first, "{\"n\":1}", StatusChange{T0, ClaimStatus::kPending, ClaimStatus::kVerified}});
  records.push_back({second, "{\"n\":2}", std::nullopt});
  auto out = store().record_checks(std::move(records));
  ASSERT_EQ(out.size(), 2u);
  ASSERT_OK(out[0]);
  ASSERT_FALSE(out[1].ok());
  EXPECT_EQ(out[1].error().code, ErrorCode::kAborted);
  auto got = get(kScope, a.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, ClaimStatus::kVerified);
  EXPECT_EQ(got->attempts, a.attempts);
  auto evidence = store().last_evidence(a.id);
  ASSERT_OK(evidence);
  EXPECT_EQ(*evidence, std::optional<std::string>("{\"n\":1}"));
}

TEST_P(StoreContractTest, ALeaseStopsAtTheLimitAndTheRestFollow) {
  std::vector<std::string> want;
  for (int i = 0; i < 7; ++i) {
    want.push_back(
        insert(due_at(ClaimKind::kSesDomain, "d" + std::to_string(i) + ".example", T0)).id);
  }
  std::vector<std::string> got;
  for (int round = 0; round < 4; ++round) {
    auto page = store().lease_due_claims(T0, T0 + minutes(5), 3);
    ASSERT_OK(page);
    EXPECT_LE(page->size(), 3u);
    for (const auto& c : *page) got.push_back(c.id);
  }
  EXPECT_EQ(got, want);  // each once, in (due, seq) order
}

TEST_P(StoreContractTest, ConcurrentLeasesNeverShareAClaim) {
  constexpr int kClaims = 200;
  for (int i = 0; i < kClaims; ++i) {
    insert(due_at(ClaimKind::kSesDomain, "c" + std::to_string(i) + ".example", T0));
  }
  std::vector<std::vector<std::string>> got(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] {
      for (;;) {
        auto page = store().lease_due_claims(T0, T0 + minutes(5), 7);
        if (!page.ok() || page->empty()) return;
        for (const auto& c : *page) got[t].push_back(c.id);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> seen;
  size_t total = 0;
  for (const auto& g : got) {
    total += g.size();
    seen.insert(g.begin(), g.end());
  }
  EXPECT_EQ(total, static_cast<size_t>(kClaims)) << "a claim was leased twice";
  EXPECT_EQ(seen.size(), static_cast<size_t>(kClaims));
}

TEST_P(StoreContractTest, ALeaseHandsOutDueQueuedMailOnceUntilItRunsOut) {
  auto early = store().enqueue_mail(mail_to(kScope, "a@example.com", Mail::State::kQueued, T0));
  auto late = store().enqueue_mail(
      mail_to(kScope, "b@example.com", Mail::State::kQueued, T0 + minutes(1)));
  auto sent = store().enqueue_mail(mail_to(kScope, "c@example.com", Mail::State::kSent, T0));
  ASSERT_OK(early);
  ASSERT_OK(late);
  ASSERT_OK(sent);
  const TimePoint until = T0 + minutes(5);
  auto got = store().lease_due_mail(T0, until, 10);
  ASSERT_OK(got);
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].id, early->id);
  EXPECT_EQ((*got)[0].next_attempt_at, T0);  // as it was
  auto again = store().lease_due_mail(T0 + minutes(1), until, 10);
  ASSERT_OK(again);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].id, late->id);
  auto due = store().due_mail(T0 + minutes(2), 10);
  ASSERT_OK(due);
  EXPECT_TRUE(due->empty()) << "leased mail is not due";
  // The attempt's outcome replaces the lease.
  Mail m = (*got)[0];
  m.state = Mail::State::kSent;
  m.attempts = 1;
  m.sent_at = T0;
  ASSERT_OK(store().update_mail(m));
  auto expired = store().lease_due_mail(until, until + minutes(5), 10);
  ASSERT_OK(expired);
  ASSERT_EQ(expired->size(), 1u);  // the unsent one, after its lease ran out
  EXPECT_EQ((*expired)[0].id, late->id);
}

TEST_P(StoreContractTest, ConcurrentMailLeasesNeverShareAMessage) {
  constexpr int kMessages = 120;
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_OK(store().enqueue_mail(
        mail_to(kScope, "m" + std::to_string(i) + "@example.com", Mail::State::kQueued, T0)));
  }
  std::vector<std::vector<int64_t>> got(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] {
      for (;;) {
        auto page = store().lease_due_mail(T0, T0 + minutes(5), 5);
        if (!page.ok() || page->empty()) return;
        for (const auto& m : *page) got[t].push_back(m.id);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<int64_t> seen;
  size_t total = 0;
  for (const auto& g : got) {
    total += g.size();
    seen.insert(g.begin(), g.end());
  }
  EXPECT_EQ(total, static_cast<size_t>(kMessages)) << "a message was leased twice";
  EXPECT_EQ(seen.size(), static_cast<size_t>(kMessages));
}

TEST_P(StoreContractTest, AQuotaOverSeveralKindsHoldsUnderConcurrentCreates) {
  CreateRules rules;
  rules.quota = 5;
  rules.quota_kinds = kSesKinds;
  rules.one_live_per_subject = false;
  rules.now = T0;
  // Not counted: another kind, another scope.
  insert(make_claim(kScope, ClaimKind::kLatticeDomain, "lattice.example"));
  insert(make_claim(kOtherRegion, ClaimKind::kSesDomain, "elsewhere.example"));
  std::vector<int> created(8, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        const bool email = (t + i) % 2;
        const std::string subject = email ? "u" + std::to_string(t * 3 + i) + "@example.com"
                                          : "d" + std::to_string(t * 3 + i) + ".example";
        auto r = store().create_claim_once(
            make_claim(kScope, email ? ClaimKind::kSesEmail : ClaimKind::kSesDomain, subject),
            std::nullopt, rules);
        if (r.ok() && r->outcome == CreateOutcome::kCreated) ++created[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  int total = 0;
  for (int n : created) total += n;
  EXPECT_EQ(total, 5);
  EXPECT_EQ(count(kScope, kSesKinds), 5u);
  // The positive control: the quota counts only its kinds, so a Lattice claim still fits.
  rules.quota_kinds.clear();
  auto lattice = store().create_claim_once(
      make_claim(kScope, ClaimKind::kLatticeDomain, "more.example"), std::nullopt, rules);
  ASSERT_OK(lattice);
  EXPECT_EQ(lattice->outcome, CreateOutcome::kCreated);
}

TEST_P(StoreContractTest, SettingsArePutReplacedAndRead) {
  auto absent = store().get_setting("secret");
  ASSERT_OK(absent);
  EXPECT_FALSE(absent->has_value());
  ASSERT_OK(store().put_setting("secret", "one"));
  ASSERT_OK(store().put_setting("clock", "1700000000"));
  ASSERT_OK(store().put_setting("secret", "two"));
  auto got = store().get_setting("secret");
  ASSERT_OK(got);
  EXPECT_EQ(*got, std::optional<std::string>("two"));
  auto clock = store().get_setting("clock");
  ASSERT_OK(clock);
  EXPECT_EQ(*clock, std::optional<std::string>("1700000000"));
}

TEST_P(StoreContractTest, TheFirstSettingWinsAmongConcurrentWriters) {
  std::vector<std::string> got(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] {
      auto r = store().put_setting_if_absent("key", "value-" + std::to_string(i));
      got[i] = r.ok() ? *r : "error: " + r.error().message;
    });
  }
  for (auto& t : threads) t.join();
  auto stored = store().get_setting("key");
  ASSERT_OK(stored);
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ((*stored)->rfind("value-", 0), 0u);
  for (const auto& g : got) EXPECT_EQ(g, **stored);  // every writer saw the same one
  auto later = store().put_setting_if_absent("key", "another");
  ASSERT_OK(later);
  EXPECT_EQ(*later, **stored);
}

TEST_P(StoreContractTest, APingAnswers) { EXPECT_OK(store().ping()); }

}  // namespace
}  // namespace vouch::core::contract
