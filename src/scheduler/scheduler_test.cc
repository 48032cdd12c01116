// The scheduler against a real SqliteStore (in a temp dir), a ManualClock and
// a fake DnsResolver that answers by name (and can hold a lookup in flight):
// which claims run_due checks, what each outcome records (status, next check,
// history, evidence), that a claim changed or deleted while its check is in
// flight is never overwritten, and that email claims fail at 24 h.
#include "scheduler/scheduler.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "core/evidence_json.h"
#include "core/status_machine.h"
#include "store/forwarding_store.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/eventually.h"
#include "testing/fake_resolver.h"
#include "testing/fake_timer.h"
#include "testing/printers.h"
#include "testing/temp_dir.h"

namespace vouch::scheduler {
namespace {

using core::Claim;
using core::ClaimKind;
using core::ClaimStatus;
using core::DnsAnswer;
using core::RecordType;
using std::chrono::hours;
using std::chrono::seconds;
using testing::FakeResolver;

const core::Scope kScope{"111122223333", "us-east-1"};
const core::TimePoint T0 = core::TimePoint(seconds(1'750'000'000));

// Counts Store::record_checks calls; with close_gate(), the next call waits
// until open_gate(), so results pile up behind it.
class CountingStore final : public store::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  std::vector<core::Result<Claim>> record_checks(std::vector<core::CheckRecord> records) override {
    {
      std::unique_lock lock(mu_);
      ++calls_;
      recorded_ += records.size();
      sizes_.push_back(records.size());
      cv_.wait(lock, [&] { return !gate_closed_; });
    }
    return ForwardingStore::record_checks(std::move(records));
  }
  void close_gate() {
    std::lock_guard lock(mu_);
    gate_closed_ = true;
  }
  void open_gate() {
    {
      std::lock_guard lock(mu_);
      gate_closed_ = false;
    }
    cv_.notify_all();
  }
  size_t calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  size_t recorded() {
    std::lock_guard lock(mu_);
    return recorded_;
  }
  std::vector<size_t> sizes() {  // of each call, in order
    std::lock_guard lock(mu_);
    return sizes_;
  }
  core::Result<std::vector<Claim>> lease_due_claims(core::TimePoint now,
                                                    core::TimePoint lease_until,
                                                    size_t limit) override {
    {
      std::lock_guard lock(mu_);
      ++leases_;
    }
    return ForwardingStore::lease_due_claims(now, lease_until, limit);
  }
  size_t leases() {
    std::lock_guard lock(mu_);
    return leases_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool gate_closed_ = false;
  size_t calls_ = 0;
  size_t recorded_ = 0;
  size_t leases_ = 0;
  std::vector<size_t> sizes_;
};

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::sqlite::SqliteStore::open(dir_.file("vouch.db"));
    ASSERT_OK(s);
    store_ = std::move(*s);
  }
  void TearDown() override {
    // Lookups run on detached threads; the scheduler waits for them.
    scheduler_.reset();
  }

  Scheduler& scheduler(size_t perspectives = 1, SchedulerOptions options = {}) {
    scheduler_.reset();
    resolver_ = std::make_unique<FakeResolver>(perspectives);
    scheduler_ = std::make_unique<Scheduler>(*store_, *resolver_, clock_, options);
    return *scheduler_;
  }

  Claim add(ClaimKind kind, const std::string& subject) {
    static int n = 0;
    char id[32];
    Claim c;
    if (kind == ClaimKind::kLatticeDomain) std::snprintf(id, sizeof id, "dv-%017x", ++n);
    else std::snprintf(id, sizeof id, "id-%020x", ++n);
    c.id = id;
    c.scope = kScope;
    c.kind = kind;
    c.subject = subject;
    if (kind == ClaimKind::kSesDomain) c.record_name = "_amazonses." + subject;
    if (kind == ClaimKind::kLatticeDomain) c.record_name = "_abcdefghijklmnopqrst." + subject;
    if (kind != ClaimKind::kSesEmail) c.token = "token-for-" + subject;
    if (kind == ClaimKind::kSesDkim) {
      c.record_name = core::dkim_record_name("dkimtok", subject);
      c.token = core::dkim_target("dkimtok");
    }
    c.created_at = clock_.now();
    c = core::restart(core::policy_for(kind), std::move(c), clock_.now());
    auto r = store_->insert_claim(c);
    EXPECT_OK(r);
    return r.ok() ? *r : c;
  }

  // A fresh SQLite store in `file`, behind a CountingStore; null on failure.
  std::unique_ptr<CountingStore> counting_store(const std::string& file) {
    auto sqlite = store::sqlite::SqliteStore::open(dir_.file(file));
    EXPECT_OK(sqlite);
    return sqlite.ok() ? std::make_unique<CountingStore>(std::move(*sqlite)) : nullptr;
  }

  // `n` pending SES domains <prefix><i>.example in `store`, ids from `first`
  // on, each with its record published in `resolver`.
  std::vector<Claim> published_domains(core::Store& store, FakeResolver& resolver, int first, int n,
                                       const std::string& prefix) {
    std::vector<Claim> out;
    for (int i = 0; i < n; ++i) {
      Claim c;
      char id[32];
      std::snprintf(id, sizeof id, "id-%020d", first + i);
      c.id = id;
      c.scope = kScope;
      c.subject = prefix + std::to_string(i) + ".example";
      c.record_name = "_amazonses." + c.subject;
      c.token = "t" + std::to_string(i);
      c = core::restart(core::policy_for(c.kind), std::move(c), clock_.now());
      auto r = store.insert_claim(c);
      EXPECT_OK(r);
      if (!r.ok()) return out;
      out.push_back(*r);
      resolver.found(c.record_name, c.token);
    }
    return out;
  }

  Claim get(const Claim& c) {
    auto r = store_->get_claim(kScope, c.id);
    EXPECT_OK(r);
    if (!r.ok() || !*r) {
      ADD_FAILURE() << "claim " << c.id << " is gone";
      return c;
    }
    return **r;
  }

  std::vector<core::StatusChange> history(const Claim& c) {
    auto h = store_->history(c.id);
    EXPECT_OK(h);
    return h.ok() ? *h : std::vector<core::StatusChange>{};
  }

  nlohmann::json evidence(const Claim& c) {
    auto e = store_->last_evidence(c.id);
    EXPECT_OK(e);
    if (!e.ok() || !*e) return nullptr;
    return nlohmann::json::parse(**e);
  }

  // A background loop polling hourly on timer_, started, and parked after
  // its first poll (which runs at once).
  Scheduler& hourly_background() {
    SchedulerOptions opt;
    opt.poll_interval = std::chrono::hours(1);
    opt.timer = &timer_;
    auto& s = scheduler(1, opt);
    s.start_background();
    EXPECT_TRUE(testing::eventually([&] { return timer_.parked() == 1; }));
    return s;
  }

  // Moves the clock to the claim's next check and runs what is due.
  size_t step_to_next_check(const Claim& c) {
    Claim now = get(c);
    if (!now.next_check_at) return 0;
    if (*now.next_check_at > clock_.now()) clock_.set(*now.next_check_at);
    return scheduler_->run_due();
  }

  // Waits (up to 20 s) until each of `cs` has been checked (has evidence);
  // returns how many have.
  size_t wait_checked(const std::vector<Claim>& cs) {
    auto checked = [&] {
      size_t n = 0;
      for (const auto& c : cs) n += !evidence(c).is_null();
      return n;
    };
    testing::eventually([&] { return checked() >= cs.size(); }, seconds(20));
    return checked();
  }

  testing::TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  core::ManualClock clock_{T0};
  testing::FakeTimer timer_;  // outlives scheduler_, which waits on it
  std::unique_ptr<FakeResolver> resolver_;
  std::unique_ptr<Scheduler> scheduler_;
};

// ---------------------------------------------------------------------------

TEST_F(SchedulerTest, RunDueChecksExactlyTheDueClaims) {
  auto& s = scheduler();
  Claim a = add(ClaimKind::kSesDomain, "a.example");
  Claim b = add(ClaimKind::kSesDomain, "b.example");
  Claim l = add(ClaimKind::kLatticeDomain, "l.example");
  Claim later = add(ClaimKind::kSesDomain, "later.example");
  later.next_check_at = T0 + hours(1);
  ASSERT_OK(store_->update_claim(later));
  Claim mail = add(ClaimKind::kSesEmail, "someone@example.com");  // due at its 24 h deadline

  EXPECT_EQ(s.run_due(), 3u);
  EXPECT_EQ(resolver_->asked("_amazonses.a.example"), 1u);
  EXPECT_EQ(resolver_->asked("_amazonses.b.example"), 1u);
  EXPECT_EQ(resolver_->asked(l.record_name), 1u);
  EXPECT_EQ(resolver_->asked("_amazonses.later.example"), 0u);
  EXPECT_EQ(resolver_->asked_total(), 3u);
  // Nothing is due again until the first backoff has passed.
  EXPECT_EQ(s.run_due(), 0u);
  const auto first = core::backoff(core::policy_for(ClaimKind::kSesDomain), 0);
  EXPECT_EQ(*get(a).next_check_at, T0 + first);
  EXPECT_EQ(get(a).attempts, 1);
  clock_.advance(first - seconds(1));
  EXPECT_EQ(s.run_due(), 0u);
  clock_.advance(seconds(1));
  EXPECT_EQ(s.run_due(), 3u);
  clock_.set(T0 + hours(1));
  EXPECT_EQ(s.run_due(), 4u);  // a, b, l (backing off, due again) and later
  EXPECT_EQ(get(mail).status, ClaimStatus::kPending);
  EXPECT_EQ(resolver_->asked_total(), 10u);
  (void)b;
}

TEST_F(SchedulerTest, FoundVerifiesWithHistoryAndEvidence) {
  SchedulerOptions opt;
  opt.recheck_interval = hours(6);
  auto& s = scheduler(1, opt);
  Claim c = add(ClaimKind::kSesDomain, "found.example");
  resolver_->found(c.record_name, c.token);
  clock_.advance(seconds(30));
  EXPECT_EQ(s.run_due(), 1u);
  Claim got = get(c);
  EXPECT_EQ(got.status, ClaimStatus::kVerified);
  EXPECT_EQ(got.last_verified_at, T0 + seconds(30));
  EXPECT_EQ(got.next_check_at, T0 + seconds(30) + hours(6));  // --recheck-interval
  EXPECT_EQ(got.attempts, 0);
  EXPECT_GT(got.version, c.version);
  auto h = history(c);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].at, T0 + seconds(30));
  EXPECT_EQ(h[0].from, ClaimStatus::kPending);
  EXPECT_EQ(h[0].to, ClaimStatus::kVerified);
  auto e = evidence(c);
  ASSERT_TRUE(e.is_object()) << e;
  EXPECT_EQ(e["outcome"], "found");
  EXPECT_EQ(e["record_name"], "_amazonses.found.example");
  EXPECT_EQ(e["expected"], c.token);
  EXPECT_EQ(e["quorum"], 1);
  ASSERT_EQ(e["perspectives"].size(), 1u);
  EXPECT_EQ(e["perspectives"][0]["resolver"], "10.0.0.1:53");
  EXPECT_EQ(e["perspectives"][0]["result"], "found");
  // A re-check that finds it again keeps it verified and adds no history.
  clock_.advance(hours(6));
  EXPECT_EQ(s.run_due(), 1u);
  EXPECT_EQ(get(c).last_verified_at, T0 + seconds(30) + hours(6));
  EXPECT_EQ(history(c).size(), 1u);
}

TEST_F(SchedulerTest, DkimClaimsAskForTheCnameAndMatchItAsAName) {
  auto& s = scheduler();
  Claim c = add(ClaimKind::kSesDkim, "dkim.example");
  ASSERT_EQ(c.record_name, "dkimtok._domainkey.dkim.example");
  // The target as TXT at the name does not count: a DKIM record is a CNAME.
  resolver_->found(c.record_name, c.token);
  EXPECT_EQ(s.run_due(), 1u);
  EXPECT_EQ(resolver_->asked_as(c.record_name, RecordType::kCname), 1u);
  EXPECT_EQ(resolver_->asked_as(c.record_name, RecordType::kTxt), 0u);
  EXPECT_EQ(get(c).status, ClaimStatus::kPending);
  EXPECT_EQ(evidence(c)["perspectives"][0]["detail"], "NXDOMAIN");

  resolver_->set_all(c.record_name, DnsAnswer::Kind::kRecords,
                     {"dkimtok.dkim.amazonses.com.evil.example"}, RecordType::kCname);
  EXPECT_EQ(step_to_next_check(c), 1u);
  EXPECT_EQ(get(c).status, ClaimStatus::kPending);
  auto e = evidence(c);
  EXPECT_EQ(e["outcome"], "absent");
  EXPECT_EQ(e["perspectives"][0]["result"], "wrong");
  EXPECT_EQ(e["perspectives"][0]["detail"], "CNAME records");

  resolver_->set_all(c.record_name, DnsAnswer::Kind::kRecords, {"DKIMTOK.dkim.AmazonSES.com."},
                     RecordType::kCname);
  EXPECT_EQ(step_to_next_check(c), 1u);
  EXPECT_EQ(get(c).status, ClaimStatus::kVerified);
  EXPECT_EQ(evidence(c)["outcome"], "found");
  EXPECT_EQ(evidence(c)["expected"], "dkimtok.dkim.amazonses.com");
  ASSERT_EQ(history(c).size(), 1u);
}

TEST_F(SchedulerTest, DkimRecheckRevokesAndRestores) {
  auto& s = scheduler(3);
  Claim c = add(ClaimKind::kSesDkim, "recheck.example");
  DnsAnswer found, gone;
  found.kind = DnsAnswer::Kind::kRecords;
  found.records = {c.token};
  gone.kind = DnsAnswer::Kind::kNxDomain;
  resolver_->set(c.record_name, {found, found, gone},
                 RecordType::kCname);  // 2 of 3: the default quorum
  EXPECT_EQ(s.run_due(), 1u);
  EXPECT_EQ(get(c).status, ClaimStatus::kVerified);
  EXPECT_EQ(*get(c).next_check_at, T0 + hours(24));

  resolver_->set(c.record_name, {found, gone, gone}, RecordType::kCname);
  EXPECT_EQ(step_to_next_check(c), 1u);
  EXPECT_EQ(get(c).status, ClaimStatus::kUnconfirmed);

  resolver_->set_all(c.record_name, DnsAnswer::Kind::kRecords, {c.token}, RecordType::kCname);
  EXPECT_EQ(step_to_next_check(c), 1u);
  EXPECT_EQ(get(c).status, ClaimStatus::kVerified);
  auto h = history(c);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[1].to, ClaimStatus::kUnconfirmed);
  EXPECT_EQ(h[2].to, ClaimStatus::kVerified);
}

TEST_F(SchedulerTest, WrongValueIsRecordedAsSeen) {
  auto& s = scheduler();
  Claim c = add(ClaimKind::kSesDomain, "wrong.example");
  resolver_->set_all(c.record_name, DnsAnswer::Kind::kRecords,
                     {"\"" + c.token + "\"", "v=spf1 -all"});
  EXPECT_EQ(s.run_due(), 1u);
  EXPECT_EQ(get(c).status, ClaimStatus::kPending);
  auto e = evidence(c);
  EXPECT_EQ(e["outcome"], "absent");
  EXPECT_EQ(e["perspectives"][0]["result"], "wrong");
  EXPECT_EQ(e["perspectives"][0]["seen"], (nlohmann::json{"\"" + c.token + "\"", "v=spf1 -all"}));
  EXPECT_TRUE(history(c).empty());
}

TEST_F(SchedulerTest, PendingAbsentFailsExactlyAtTheDeadline) {
  auto& s = scheduler();
  Claim c = add(ClaimKind::kSesDomain, "never.example");
  int checks = 0;
  while (get(c).status == ClaimStatus::kPending && checks < 500) {
    ASSERT_EQ(step_to_next_check(c), 1u) << "at check " << checks;
    ++checks;
    ASSERT_LE(clock_.now(), c.deadline);
  }
  Claim got = get(c);
  EXPECT_EQ(got.status, ClaimStatus::kFailed);
  EXPECT_EQ(clock_.now(), T0 + hours(72));  // the deciding check ran right at the deadline
  EXPECT_FALSE(got.next_check_at);
  EXPECT_GT(checks, 70);  // backoff up to an hour over 72 h
  EXPECT_LT(checks, 100);
  auto h = history(c);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].from, ClaimStatus::kPending);
  EXPECT_EQ(h[0].to, ClaimStatus::kFailed);
  EXPECT_EQ(h[0].at, T0 + hours(72));
  clock_.advance(hours(100));
  EXPECT_EQ(s.run_due(), 0u);  // failed claims are never checked again
}

TEST_F(SchedulerTest, ResolverErrorsNeverFailAClaim) {
  auto& s = scheduler();
  Claim c = add(ClaimKind::kSesDomain, "outage.example");
  resolver_->set_all(c.record_name, DnsAnswer::Kind::kTimeout);
  for (int i = 0; i < 150 && clock_.now() < T0 + hours(100); ++i)
    ASSERT_EQ(step_to_next_check(c), 1u);
  EXPECT_GE(clock_.now(), T0 + hours(100));
  Claim got = get(c);
  EXPECT_EQ(got.status, ClaimStatus::kPending);
  ASSERT_TRUE(got.next_check_at);
  EXPECT_GT(*got.next_check_at, clock_.now());
  EXPECT_TRUE(history(c).empty());
  EXPECT_EQ(evidence(c)["outcome"], "resolver_error");
  EXPECT_EQ(evidence(c)["perspectives"][0]["detail"], "timeout");
  // The record shows up after the window: a conclusive answer now verifies.
  resolver_->found(c.record_name, c.token);
  EXPECT_EQ(step_to_next_check(c), 1u);
  EXPECT_EQ(get(c).status, ClaimStatus::kVerified);
  (void)s;
}

TEST_F(SchedulerTest, VerifiedRecordRemovedGoesUnconfirmedThenBack) {
  auto& s = scheduler();
  Claim c = add(ClaimKind::kSesDomain, "flaky.example");
  resolver_->found(c.record_name, c.token);
  EXPECT_EQ(s.run_due(), 1u);
  resolver_->set_all(c.record_name, DnsAnswer::Kind::kNoData);
  EXPECT_EQ(step_to_next_check(c), 1u);
  const auto gone_at = clock_.now();
  Claim got = get(c);
  EXPECT_EQ(got.status, ClaimStatus::kUnconfirmed);
  EXPECT_EQ(got.absent_since, gone_at);
  EXPECT_EQ(got.last_verified_at, T0);
  resolver_->found(c.record_name, c.token);
  EXPECT_EQ(step_to_next_check(c), 1u);
  got = get(c);
  EXPECT_EQ(got.status, ClaimStatus::kVerified);
  EXPECT_FALSE(got.absent_since);
  auto h = history(c);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[1].from, ClaimStatus::kVerified);
  EXPECT_EQ(h[1].to, ClaimStatus::kUnconfirmed);
  EXPECT_EQ(h[1].at, gone_at);
  EXPECT_EQ(h[2].from, ClaimStatus::kUnconfirmed);
  EXPECT_EQ(h[2].to, ClaimStatus::kVerified);
}

TEST_F(SchedulerTest, VerifiedRecordAbsent72HoursFails) {
  auto& s = scheduler();
  Claim c = add(ClaimKind::kSesDomain, "revoked.example");
  resolver_->found(c.record_name, c.token);
  EXPECT_EQ(s.run_due(), 1u);
  resolver_->set_all(c.record_name, DnsAnswer::Kind::kNxDomain);
  int checks = 0;
  while (get(c).status != ClaimStatus::kFailed && checks < 500) {
    ASSERT_EQ(step_to_next_check(c), 1u);
    ++checks;
  }
  Claim got = get(c);
  ASSERT_EQ(got.status, ClaimStatus::kFailed);
  ASSERT_TRUE(got.absent_since);
  EXPECT_EQ(clock_.now(), *got.absent_since + hours(72));
  auto h = history(c);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[2].from, ClaimStatus::kUnconfirmed);
  EXPECT_EQ(h[2].to, ClaimStatus::kFailed);
}

TEST_F(SchedulerTest, LatticeStaysVerifiedWhenTheRecordGoes) {
  SchedulerOptions opt;
  opt.recheck_interval = hours(12);
  auto& s = scheduler(1, opt);
  Claim c = add(ClaimKind::kLatticeDomain, "lattice.example");
  resolver_->found(c.record_name, c.token);
  EXPECT_EQ(s.run_due(), 1u);
  resolver_->set_all(c.record_name, DnsAnswer::Kind::kNxDomain);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(step_to_next_check(c), 1u);
  Claim got = get(c);
  EXPECT_EQ(got.status, ClaimStatus::kVerified);
  EXPECT_EQ(got.last_verified_at, T0);  // unchanged while unconfirmed
  EXPECT_EQ(got.next_check_at, clock_.now() + hours(12));
  EXPECT_EQ(history(c).size(), 1u);
  resolver_->found(c.record_name, c.token);
  EXPECT_EQ(step_to_next_check(c), 1u);
  EXPECT_EQ(get(c).last_verified_at, clock_.now());  // moves forward on a confirming re-check
}

TEST_F(SchedulerTest, EmailClaimsFailAt24HoursThroughRunDue) {
  auto& s = scheduler();
  Claim m = add(ClaimKind::kSesEmail, "someone@example.com");
  Claim other = add(ClaimKind::kSesEmail, "later@example.com");
  ASSERT_EQ(m.next_check_at, T0 + hours(24));
  clock_.advance(hours(24) - seconds(1));
  EXPECT_EQ(s.run_due(), 0u);
  EXPECT_EQ(get(m).status, ClaimStatus::kPending);
  clock_.advance(seconds(1));
  EXPECT_EQ(s.run_due(), 2u);
  Claim got = get(m);
  EXPECT_EQ(got.status, ClaimStatus::kFailed);
  EXPECT_FALSE(got.next_check_at);
  EXPECT_EQ(get(other).status, ClaimStatus::kFailed);
  auto h = history(m);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].at, T0 + hours(24));
  EXPECT_EQ(h[0].from, ClaimStatus::kPending);
  EXPECT_EQ(h[0].to, ClaimStatus::kFailed);
  EXPECT_EQ(resolver_->asked_total(), 0u);  // nothing to look up for email
  EXPECT_EQ(s.run_due(), 0u);
}

TEST_F(SchedulerTest, EmailClaimCheckedEarlyIsNotLost) {
  // check_now on a pending email claim before its deadline keeps it pending
  // and due at the deadline (not due again at once, not never).
  auto& s = scheduler();
  Claim m = add(ClaimKind::kSesEmail, "early@example.com");
  clock_.advance(hours(1));
  auto r = s.check_now(kScope, m.id);
  ASSERT_OK(r);
  Claim got = get(m);
  EXPECT_EQ(got.status, ClaimStatus::kPending);
  EXPECT_EQ(got.next_check_at, T0 + hours(24));
  EXPECT_EQ(s.run_due(), 0u);
}

TEST_F(SchedulerTest, ClaimChangedWhileInFlightIsNotOverwritten) {
  auto& s = scheduler();
  Claim c = add(ClaimKind::kSesDomain, "race.example");
  resolver_->hold();
  core::Result<CheckResult> result = core::Error{core::ErrorCode::kInternal, "not run", {}, {}};
  std::thread t([&] { result = s.check_now(kScope, c.id); });
  ASSERT_TRUE(resolver_->wait_held(1));
  // Meanwhile it is verified by other means (e.g. another check path).
  Claim changed = get(c);
  changed.status = ClaimStatus::kVerified;
  changed.last_verified_at = clock_.now();
  changed.next_check_at = clock_.now() + hours(24);
  auto stored = store_->update_claim(changed);
  ASSERT_OK(stored);
  clock_.advance(hours(80));  // past the deadline: an absent result would fail it
  resolver_->release();       // NXDOMAIN
  t.join();
  ASSERT_OK(result);
  EXPECT_FALSE(result->recorded);
  EXPECT_EQ(result->evidence.outcome, core::CheckOutcome::kAbsent);
  Claim got = get(c);
  EXPECT_EQ(got.status, ClaimStatus::kVerified);
  EXPECT_EQ(got.version, stored->version);
  EXPECT_EQ(got.next_check_at, T0 + hours(24));
  EXPECT_TRUE(history(c).empty());
  EXPECT_TRUE(evidence(c).is_null());
}

TEST_F(SchedulerTest, ClaimDeletedWhileInFlightStaysDeleted) {
  auto& s = scheduler();
  Claim c = add(ClaimKind::kSesDomain, "gone.example");
  resolver_->found(c.record_name, c.token);
  resolver_->hold();
  size_t ran = 0;
  std::thread t([&] { ran = s.run_due(); });
  ASSERT_TRUE(resolver_->wait_held(1));
  auto deleted = store_->delete_claim(kScope, c.id);
  ASSERT_OK(deleted);
  EXPECT_TRUE(*deleted);
  resolver_->release();
  t.join();
  EXPECT_EQ(ran, 1u);
  auto r = store_->get_claim(kScope, c.id);
  ASSERT_OK(r);
  EXPECT_FALSE(r->has_value());
  EXPECT_TRUE(history(c).empty());
  EXPECT_EQ(s.run_due(), 0u);
  // A check of the vanished claim is a not-found error, not a crash.
  auto now = s.check_now(kScope, c.id);
  ASSERT_FALSE(now.ok());
  EXPECT_EQ(now.error().code, core::ErrorCode::kNotFound);
}

TEST_F(SchedulerTest, AClaimInFlightIsNotCheckedTwice) {
  auto& s = scheduler();
  Claim c = add(ClaimKind::kSesDomain, "once.example");
  Claim d = add(ClaimKind::kSesDomain, "other.example");
  resolver_->hold();
  std::thread t([&] { (void)s.check_now(kScope, c.id); });
  ASSERT_TRUE(resolver_->wait_held(1));
  // run_due skips the claim in flight and checks only the other one; both
  // lookups are held now, so it must run on another thread.
  size_t ran = 0;
  std::thread u([&] { ran = s.run_due(); });
  ASSERT_TRUE(resolver_->wait_held(2));
  resolver_->release();
  t.join();
  u.join();
  EXPECT_EQ(ran, 1u);
  EXPECT_EQ(resolver_->asked(c.record_name), 1u);
  EXPECT_EQ(resolver_->asked(d.record_name), 1u);
}

// check_now_async waits on no thread: it returns with the lookup out, and a
// check asked for while another of the same claim is in flight runs (a second
// lookup) once that one is recorded.
TEST_F(SchedulerTest, CheckNowAsyncRunsAfterACheckInFlight) {
  auto& s = scheduler();
  Claim c = add(ClaimKind::kSesDomain, "async.example");
  resolver_->hold();
  std::thread t([&] { (void)s.check_now(kScope, c.id); });
  ASSERT_TRUE(resolver_->wait_held(1));
  std::mutex mu;
  std::condition_variable cv;
  std::optional<core::Result<CheckResult>> got;
  s.check_now_async(kScope, c.id, [&](core::Result<CheckResult> r) {
    std::lock_guard lock(mu);
    got = std::move(r);
    cv.notify_all();
  });
  EXPECT_EQ(resolver_->asked(c.record_name), 1u);  // waits for the one in flight
  resolver_->found(c.record_name, c.token);
  resolver_->release();  // the first check, then the second starts (not held)
  t.join();
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, seconds(10), [&] { return got.has_value(); }));
  ASSERT_OK(*got);
  EXPECT_TRUE((*got)->recorded);
  EXPECT_EQ((*got)->claim.status, ClaimStatus::kVerified);
  EXPECT_EQ(resolver_->asked(c.record_name), 2u);
  // An unknown claim is an error at once.
  std::optional<core::Result<CheckResult>> missing;
  s.check_now_async(kScope, "id-00000000000000000000",
                    [&](core::Result<CheckResult> r) { missing = std::move(r); });
  ASSERT_TRUE(missing.has_value());
  ASSERT_FALSE(missing->ok());
  EXPECT_EQ(missing->error().code, core::ErrorCode::kNotFound);
}

TEST_F(SchedulerTest, QuorumAcrossPerspectives) {
  EXPECT_EQ(scheduler(3).quorum(), 2u);
  EXPECT_EQ(scheduler(5).quorum(), 4u);
  SchedulerOptions one;
  one.quorum = 1;
  EXPECT_EQ(scheduler(3, one).quorum(), 1u);

  auto& s = scheduler(3);
  Claim two = add(ClaimKind::kSesDomain, "two-of-three.example");
  Claim one_only = add(ClaimKind::kSesDomain, "one-of-three.example");
  Claim split = add(ClaimKind::kSesDomain, "split.example");
  auto rec = [](DnsAnswer::Kind k, std::vector<std::string> r = {}) {
    DnsAnswer a;
    a.kind = k;
    a.records = std::move(r);
    return a;
  };
  resolver_->set(two.record_name,
                 {rec(DnsAnswer::Kind::kRecords, {two.token}), rec(DnsAnswer::Kind::kNxDomain),
                  rec(DnsAnswer::Kind::kRecords, {two.token})});
  resolver_->set(one_only.record_name,
                 {rec(DnsAnswer::Kind::kRecords, {one_only.token}), rec(DnsAnswer::Kind::kNxDomain),
                  rec(DnsAnswer::Kind::kNoData)});
  resolver_->set(split.record_name,
                 {rec(DnsAnswer::Kind::kRecords, {split.token}), rec(DnsAnswer::Kind::kServFail),
                  rec(DnsAnswer::Kind::kNoData)});
  EXPECT_EQ(s.run_due(), 3u);
  EXPECT_EQ(get(two).status, ClaimStatus::kVerified);
  EXPECT_EQ(evidence(two)["quorum"], 2);
  EXPECT_EQ(get(one_only).status, ClaimStatus::kPending);
  EXPECT_EQ(evidence(one_only)["outcome"], "absent");
  EXPECT_EQ(get(split).status, ClaimStatus::kPending);
  EXPECT_EQ(evidence(split)["outcome"], "resolver_error");
  auto p = evidence(split)["perspectives"];
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0]["result"], "found");
  EXPECT_EQ(p[1]["result"], "error");
  EXPECT_EQ(p[1]["detail"], "SERVFAIL");
  EXPECT_EQ(p[2]["result"], "absent");
  EXPECT_EQ(p[2]["resolver"], "10.0.0.3:53");
}

TEST_F(SchedulerTest, BytesThatAreNotUtf8AreRecordedNotFatal) {
  // A TXT record may hold any bytes; the evidence must still be recorded
  // (and the process must survive it).
  auto& s = scheduler();
  Claim c = add(ClaimKind::kSesDomain, "bytes.example");
  resolver_->set_all(c.record_name, DnsAnswer::Kind::kRecords,
                     {std::string("\xff\xfe ok \xc3", 7)});
  EXPECT_EQ(s.run_due(), 1u);
  Claim got = get(c);
  EXPECT_EQ(got.status, ClaimStatus::kPending);
  EXPECT_EQ(got.attempts, 1);
  auto e = evidence(c);
  ASSERT_TRUE(e.is_object());
  EXPECT_EQ(e["outcome"], "absent");
  EXPECT_EQ(e["perspectives"][0]["result"], "wrong");
  ASSERT_EQ(e["perspectives"][0]["seen"].size(), 1u);
  // Shown with U+FFFD for each byte that is not UTF-8.
  EXPECT_EQ(e["perspectives"][0]["seen"][0], "\xEF\xBF\xBD\xEF\xBF\xBD ok \xEF\xBF\xBD");
}

TEST_F(SchedulerTest, ManyClaimsInOneRun) {
  SchedulerOptions opt;
  opt.max_in_flight = 7;  // several batches
  auto& s = scheduler(1, opt);
  std::vector<Claim> cs;
  for (int i = 0; i < 40; ++i) {
    cs.push_back(add(ClaimKind::kSesDomain, "bulk" + std::to_string(i) + ".example"));
    if (i % 2) resolver_->found(cs.back().record_name, cs.back().token);
  }
  EXPECT_EQ(s.run_due(), 40u);
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(get(cs[i]).status, i % 2 ? ClaimStatus::kVerified : ClaimStatus::kPending) << i;
  }
  EXPECT_EQ(resolver_->asked_total(), 40u);
}

TEST_F(SchedulerTest, BackgroundSweepKeepsTheWindowAndChecksEachDueClaimOnce) {
  SchedulerOptions opt;
  opt.max_in_flight = 4;  // pages of 16 due claims, read ahead
  opt.poll_interval = std::chrono::milliseconds(20);
  auto& s = scheduler(1, opt);
  std::vector<Claim> cs;
  for (int i = 0; i < 90; ++i) {
    cs.push_back(add(ClaimKind::kSesDomain, "sweep" + std::to_string(i) + ".example"));
    if (i % 3) resolver_->found(cs.back().record_name, cs.back().token);
  }
  s.start_background();
  ASSERT_EQ(wait_checked(cs), cs.size());
  for (size_t i = 0; i < cs.size(); ++i) {
    EXPECT_EQ(resolver_->asked(cs[i].record_name), 1u) << i;  // not due again: the clock stands
    EXPECT_EQ(get(cs[i]).status, i % 3 ? ClaimStatus::kVerified : ClaimStatus::kPending) << i;
  }
  EXPECT_LE(resolver_->max_outstanding(), 4u);
  EXPECT_GE(resolver_->max_outstanding(), 2u);  // and it does run several at once
}

TEST_F(SchedulerTest, AWakeChecksANewDueClaimWithoutWaitingForThePoll) {
  auto& s = hourly_background();                // no poll comes after the first within the test
  timer_.advance(SchedulerOptions{}.wake_gap);  // the first read's gap has passed
  Claim c = add(ClaimKind::kSesDomain, "woken.example");
  resolver_->found(c.record_name, c.token);
  s.wake();  // without it, the claim would wait for the poll, which never comes
  ASSERT_EQ(wait_checked({c}), 1u);
  EXPECT_EQ(get(c).status, ClaimStatus::kVerified);
  EXPECT_EQ(resolver_->asked(c.record_name), 1u);
}

TEST_F(SchedulerTest, WakesInsideTheGapAfterAReadAreReadTogetherAtItsEnd) {
  auto& s = hourly_background();  // its first read now
  const auto gap = SchedulerOptions{}.wake_gap;
  ASSERT_GT(gap.count(), 1);
  std::vector<Claim> cs;
  for (int i = 0; i < 3; ++i) {
    cs.push_back(add(ClaimKind::kSesDomain, "gap" + std::to_string(i) + ".example"));
    resolver_->found(cs.back().record_name, cs.back().token);
  }
  // Woken just inside the gap: the loop waits again, for the gap's end...
  timer_.advance(gap - std::chrono::milliseconds(1));
  const uint64_t waits = timer_.waits();
  s.wake();
  s.wake();
  ASSERT_TRUE(testing::eventually([&] { return timer_.waits() > waits && timer_.parked() == 1; }));
  for (const auto& c : cs) EXPECT_EQ(resolver_->asked(c.record_name), 0u);
  // ...and reads them then.
  timer_.advance(std::chrono::milliseconds(1));
  EXPECT_EQ(wait_checked(cs), cs.size());
  for (const auto& c : cs) EXPECT_EQ(resolver_->asked(c.record_name), 1u);
}

TEST_F(SchedulerTest, APollFindsAClaimThatBecameDueWithoutAWake) {
  hourly_background();
  Claim c = add(ClaimKind::kSesDomain, "polled.example");
  resolver_->found(c.record_name, c.token);
  // No wake: a minute short of the poll, nothing is looked up...
  const uint64_t checks = timer_.checks();
  timer_.advance(std::chrono::minutes(59));
  ASSERT_TRUE(testing::eventually([&] { return timer_.checks() >= checks + 2; }));
  EXPECT_EQ(resolver_->asked(c.record_name), 0u);
  // ...and at the hour it is.
  timer_.advance(std::chrono::minutes(1));
  ASSERT_EQ(wait_checked({c}), 1u);
  EXPECT_EQ(resolver_->asked(c.record_name), 1u);
}

TEST_F(SchedulerTest, AWakeWhileTheWindowIsFullDoesNotSpin) {
  // A wake with the window full and enough queued used to make the loop's
  // wait return at once, again and again: a busy loop on the scheduler's
  // mutex that starved the answers (an API call waking it hung for 20 s).
  // timer_ stands still: only a wake could end the wait.
  SchedulerOptions opt;
  opt.max_in_flight = 2;
  opt.poll_interval = std::chrono::hours(1);
  opt.timer = &timer_;
  auto& s = scheduler(1, opt);
  std::vector<Claim> cs;
  for (int i = 0; i < 12; ++i)
    cs.push_back(add(ClaimKind::kSesDomain, "full" + std::to_string(i) + ".example"));
  resolver_->hold();
  s.start_background();
  ASSERT_TRUE(resolver_->wait_held(2));  // the window is full, the rest queued
  ASSERT_TRUE(testing::eventually([&] { return timer_.parked() == 1; }));
  // With no room to read into, the wake does not end the loop's wait: the
  // loop looks at its condition again (checks grow) inside the same wait
  // (waits do not). A spinning loop made a new wait for every look.
  const uint64_t waits = timer_.waits();
  const uint64_t checks = timer_.checks();
  s.wake();
  ASSERT_TRUE(testing::eventually([&] { return timer_.checks() >= checks + 5; }));
  EXPECT_EQ(timer_.waits(), waits) << "the scheduler busy-waits";
  resolver_->release();  // from here on, lookups answer by themselves
  EXPECT_EQ(wait_checked(cs), cs.size());
}

TEST_F(SchedulerTest, ResultsThatArriveTogetherAreRecordedTogether) {
  auto store = counting_store("counted.db");
  ASSERT_NE(store, nullptr);
  CountingStore& counted = *store;
  FakeResolver resolver;
  SchedulerOptions opt;
  opt.writers = 1;
  std::vector<Claim> cs = published_domains(counted, resolver, 500, 20, "together");
  ASSERT_EQ(cs.size(), 20u);
  {
    Scheduler s(counted, resolver, clock_, opt);
    resolver.hold();
    counted.close_gate();
    std::thread run([&] { EXPECT_EQ(s.run_due(), 20u); });
    ASSERT_TRUE(resolver.wait_held(20));
    resolver.release();  // 20 answers at once: the writer takes one, the rest wait
    counted.open_gate();
    run.join();
  }
  EXPECT_EQ(counted.recorded(), 20u);
  EXPECT_LE(counted.calls(), 3u);
  for (const auto& c : cs) {
    auto got = counted.get_claim(kScope, c.id);
    ASSERT_OK(got);
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ((*got)->status, ClaimStatus::kVerified);
  }
}

TEST_F(SchedulerTest, BesideABusyWriterAnotherStartsOnlyOnHalfABatch) {
  auto store = counting_store("half.db");
  ASSERT_NE(store, nullptr);
  CountingStore& counted = *store;
  FakeResolver resolver;
  SchedulerOptions opt;
  opt.writers = 2;
  opt.max_record_batch = 8;  // half: 4
  std::vector<Claim> cs = published_domains(counted, resolver, 700, 5, "half");
  ASSERT_EQ(cs.size(), 5u);
  std::vector<std::future<core::Result<CheckResult>>> done;
  auto check = [&](Scheduler& s, const Claim& c) {
    auto p = std::make_shared<std::promise<core::Result<CheckResult>>>();
    done.push_back(p->get_future());
    s.check_now_async(kScope, c.id,
                      [p](core::Result<CheckResult> r) { p->set_value(std::move(r)); });
  };
  {
    Scheduler s(counted, resolver, clock_, opt);
    counted.close_gate();
    check(s, cs[0]);
    // The first result goes out at once (no writer busy), and its writer waits.
    ASSERT_TRUE(testing::eventually([&] { return counted.calls() == 1; }));
    // Three more arrive (release() answers them on this thread): below half
    // a batch, they wait for a writer...
    resolver.hold();
    for (int i = 1; i <= 3; ++i) check(s, cs[i]);
    ASSERT_TRUE(resolver.wait_held(3));
    resolver.release();
    // ...until the fourth makes half a batch: the other writer takes all four.
    resolver.hold();
    check(s, cs[4]);
    ASSERT_TRUE(resolver.wait_held(1));
    resolver.release();
    ASSERT_TRUE(testing::eventually([&] { return counted.calls() == 2; }));
    EXPECT_EQ(counted.sizes(), (std::vector<size_t>{1, 4}));
    counted.open_gate();
    for (auto& f : done) {
      auto r = f.get();
      ASSERT_OK(r);
      EXPECT_TRUE(r->recorded);
    }
  }
  EXPECT_EQ(counted.recorded(), 5u);
  EXPECT_EQ(counted.calls(), 2u);
}

TEST_F(SchedulerTest, AStalledStoreHoldsABoundedNumberOfChecksAndLosesNone) {
  auto store = counting_store("stalled.db");
  ASSERT_NE(store, nullptr);
  CountingStore& counted = *store;
  FakeResolver resolver;
  SchedulerOptions opt;
  opt.max_in_flight = 2;  // holds up to 32 windows (64 claims), reads 8 ahead
  testing::FakeTimer timer;
  opt.timer = &timer;
  std::vector<Claim> cs = published_domains(counted, resolver, 900, 200, "stalled");
  ASSERT_EQ(cs.size(), 200u);
  auto asked = [&] {
    size_t n = 0;
    for (const auto& c : cs) n += resolver.asked(c.record_name);
    return n;
  };
  {
    Scheduler s(counted, resolver, clock_, opt);
    counted.close_gate();  // the first batch to record waits: as on a slow disk
    s.start_background();
    // Lookups go on while results wait to be recorded, up to the bound...
    testing::eventually([&] { return asked() >= 64; });
    EXPECT_GE(asked(), 64u);
    // ...and stop there, however many polls come and go.
    for (int i = 0; i < 10; ++i) {
      const uint64_t waits = timer.waits();
      timer.advance(opt.poll_interval);  // the wait ends, the loop polls and waits again
      ASSERT_TRUE(
          testing::eventually([&] { return timer.waits() > waits && timer.parked() == 1; }));
    }
    EXPECT_LE(asked(), 64u + 8u);
    counted.open_gate();
    testing::eventually(
        [&] {
          timer.advance(opt.poll_interval);
          return counted.recorded() >= cs.size();
        },
        seconds(20));
  }
  EXPECT_EQ(asked(), cs.size());  // each once
  for (const auto& c : cs) {
    auto got = counted.get_claim(kScope, c.id);
    ASSERT_OK(got);
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ((*got)->status, ClaimStatus::kVerified) << c.id;
  }
}

// --- leases: several nodes on one store -----------------------------------

TEST_F(SchedulerTest, NodesSharingAStoreCheckEachDueClaimOnce) {
  FakeResolver resolver;
  std::vector<Claim> cs = published_domains(*store_, resolver, 2000, 300, "shared");
  ASSERT_EQ(cs.size(), 300u);
  SchedulerOptions opt;
  opt.lease_for = seconds(60);
  opt.max_in_flight = 8;
  opt.min_lease = 0;  // leases of four windows (32), so that every node takes some
  opt.poll_interval = std::chrono::milliseconds(5);
  {
    // Three "nodes": each its own scheduler, all on the one store.
    std::vector<std::unique_ptr<Scheduler>> nodes;
    for (int i = 0; i < 3; ++i) {
      nodes.push_back(std::make_unique<Scheduler>(*store_, resolver, clock_, opt));
    }
    for (auto& n : nodes) n->start_background();
    ASSERT_EQ(wait_checked(cs), cs.size());
  }
  for (const auto& c : cs) {
    EXPECT_EQ(resolver.asked(c.record_name), 1u) << c.subject;  // once, by one node
    EXPECT_EQ(get(c).status, ClaimStatus::kVerified) << c.subject;
  }
}

// Under leases the next read starts as soon as the queue falls below its low
// water mark (three windows), not a window later: another node may hold the
// leases' turn for longer than the rest of the queue lasts.
TEST_F(SchedulerTest, ALeasingNodeReadsAheadAsSoonAsItsQueueRunsLow) {
  auto store = counting_store("ahead.db");
  ASSERT_NE(store, nullptr);
  CountingStore& counted = *store;
  FakeResolver resolver;
  std::vector<Claim> cs = published_domains(counted, resolver, 3000, 40, "ahead");
  ASSERT_EQ(cs.size(), 40u);
  SchedulerOptions opt;
  opt.lease_for = seconds(60);
  opt.max_in_flight = 4;
  opt.min_lease = 16;  // a lease of 16: 4 in the window, 12 queued (the low water mark)
  // The real timer: it looks at the loop's condition only when woken (the
  // fake one looks again by itself, which would hide a missing wake).
  opt.poll_interval = std::chrono::hours(1);
  opt.writers = 1;
  {
    Scheduler s(counted, resolver, clock_, opt);
    resolver.hold();
    counted.close_gate();  // no record completes: only answers wake the loop
    s.start_background();
    ASSERT_TRUE(resolver.wait_held(4));
    EXPECT_EQ(counted.leases(), 1u);  // the control: 12 queued is not low yet
    resolver.release_one();           // its slot takes the 5th claim: 11 queued
    EXPECT_TRUE(testing::eventually([&] { return counted.leases() == 2; }))
        << "no read until the queue fell to a window";
    counted.open_gate();
    resolver.release();
    EXPECT_TRUE(testing::eventually([&] { return counted.recorded() >= cs.size(); }, seconds(20)));
  }
  EXPECT_EQ(counted.recorded(), cs.size());  // each checked once
}

// On the real timer a wait looks at its condition only when notified or at
// its deadline: a wake inside the gap must shorten the wait begun before it
// (for the poll, an hour away here) to the gap's end.
TEST_F(SchedulerTest, AWakeInsideTheGapIsAnsweredAtItsEndNotAtThePoll) {
  auto store = counting_store("gap.db");
  ASSERT_NE(store, nullptr);
  CountingStore& counted = *store;
  FakeResolver resolver;
  SchedulerOptions opt;
  opt.lease_for = seconds(60);
  opt.poll_interval = std::chrono::hours(1);
  opt.wake_gap = std::chrono::milliseconds(300);  // long: the wake below falls inside it
  Scheduler s(counted, resolver, clock_, opt);
  s.start_background();
  ASSERT_TRUE(testing::eventually([&] { return counted.leases() == 1; }));  // the first read
  std::vector<Claim> cs = published_domains(counted, resolver, 900, 3, "inside");
  s.wake();
  EXPECT_TRUE(testing::eventually([&] { return counted.recorded() >= cs.size(); }, seconds(20)));
  EXPECT_EQ(counted.leases(), 2u);
}

TEST_F(SchedulerTest, AClaimLeasedByADeadNodeIsCheckedWhenTheLeaseRunsOut) {
  auto& s = scheduler(1, [] {
    SchedulerOptions o;
    o.lease_for = seconds(60);
    return o;
  }());
  Claim c = add(ClaimKind::kSesDomain, "orphaned.example");
  resolver_->found(c.record_name, c.token);
  // A node leases it and dies before recording anything.
  auto taken = store_->lease_due_claims(clock_.now(), clock_.now() + seconds(60), 10);
  ASSERT_OK(taken);
  ASSERT_EQ(taken->size(), 1u);
  EXPECT_EQ(s.run_due(), 0u);  // leased: not due here
  clock_.advance(seconds(59));
  EXPECT_EQ(s.run_due(), 0u);
  EXPECT_EQ(resolver_->asked(c.record_name), 0u);
  clock_.advance(seconds(1));  // the lease ran out
  EXPECT_EQ(s.run_due(), 1u);
  EXPECT_EQ(resolver_->asked(c.record_name), 1u);
  EXPECT_EQ(get(c).status, ClaimStatus::kVerified);
  // The check wrote the real next check, not a lease.
  EXPECT_EQ(get(c).next_check_at, clock_.now() + SchedulerOptions{}.recheck_interval);
}

// --auto-verify-suffix: claims under a suffix are found without a lookup
// (an address too, at its first check); others are looked up as ever.
TEST_F(SchedulerTest, AutoVerifySuffixFindsWithoutALookup) {
  SchedulerOptions options;
  options.auto_verify_suffixes = {"test"};
  auto& s = scheduler(1, options);
  Claim domain = add(ClaimKind::kSesDomain, "app.test");
  Claim dkim = add(ClaimKind::kSesDkim, "app.test");
  Claim lattice = add(ClaimKind::kLatticeDomain, "svc.app.test");
  Claim email = add(ClaimKind::kSesEmail, "user@app.test");
  {
    Claim due = get(email);  // as IdentityService makes it under the suffix
    due.next_check_at = clock_.now();
    ASSERT_OK(store_->update_claim(due));
  }
  Claim outside = add(ClaimKind::kSesDomain, "apptest.example");
  Claim outside_email = add(ClaimKind::kSesEmail, "user@atest");
  EXPECT_EQ(s.run_due(), 5u);  // the address outside is not due until its window ends
  for (const Claim& c : {domain, dkim, lattice, email}) {
    Claim now = get(c);
    EXPECT_EQ(now.status, ClaimStatus::kVerified) << c.subject;
    EXPECT_EQ(now.last_verified_at, clock_.now()) << c.subject;
  }
  EXPECT_FALSE(get(email).next_check_at.has_value());  // an address is not checked again
  EXPECT_EQ(resolver_->asked(domain.record_name), 0u);
  EXPECT_EQ(resolver_->asked(dkim.record_name), 0u);
  EXPECT_EQ(resolver_->asked(lattice.record_name), 0u);
  auto evidence = core::evidence_from_text(**store_->last_evidence(domain.id));
  ASSERT_TRUE(evidence);
  EXPECT_EQ(evidence->perspectives.at(0).resolver, "auto-verify");
  EXPECT_EQ(**store_->last_evidence(email.id), R"({"outcome":"found","via":"auto-verify"})");
  // The controls: looked up, nothing published, still pending.
  EXPECT_EQ(resolver_->asked(outside.record_name), 1u);
  EXPECT_EQ(get(outside).status, ClaimStatus::kPending);
  EXPECT_EQ(get(outside_email).status, ClaimStatus::kPending);
  // Re-checks stay verified without a lookup.
  clock_.advance(options.recheck_interval);
  s.run_due();
  EXPECT_EQ(get(domain).status, ClaimStatus::kVerified);
  EXPECT_EQ(get(domain).last_verified_at, clock_.now());
  EXPECT_EQ(resolver_->asked(domain.record_name), 0u);
}

TEST_F(SchedulerTest, OnCheckedIsToldEachDnsOutcomeButNotEmailClaims) {
  std::vector<std::pair<ClaimKind, core::CheckOutcome>> told;
  std::mutex mu;
  SchedulerOptions opt;
  opt.on_checked = [&](ClaimKind k, core::CheckOutcome o) {
    std::lock_guard lock(mu);
    told.emplace_back(k, o);
  };
  auto& s = scheduler(1, opt);
  Claim found = add(ClaimKind::kSesDomain, "found.example");
  resolver_->found(found.record_name, found.token);
  add(ClaimKind::kLatticeDomain, "absent.example");  // the fake answers NXDOMAIN
  Claim mail = add(ClaimKind::kSesEmail, "someone@example.com");
  clock_.set(mail.deadline);  // the email claim is due too, and expires
  EXPECT_EQ(s.run_due(), 3u);
  std::lock_guard lock(mu);
  ASSERT_EQ(told.size(), 2u);
  std::sort(told.begin(), told.end());
  EXPECT_EQ(told[0], std::pair(ClaimKind::kSesDomain, core::CheckOutcome::kFound));
  EXPECT_EQ(told[1], std::pair(ClaimKind::kLatticeDomain, core::CheckOutcome::kAbsent));
}

}  // namespace
}  // namespace vouch::scheduler
