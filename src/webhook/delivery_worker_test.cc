// The webhook outbox's worker: after_attempt (what one attempt records) and
// run_due against a fake Poster over a real SqliteStore, on a ManualClock.
#include "webhook/delivery_worker.h"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "core/event_json.h"
#include "crypto/webhook_signature.h"
#include "store/due_notifying_store.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/eventually.h"
#include "testing/fake_timer.h"
#include "testing/printers.h"
#include "testing/temp_dir.h"

namespace vouch::webhook {
namespace {

using core::WebhookDelivery;
using std::chrono::hours;
using std::chrono::seconds;
using State = WebhookDelivery::State;
using Kind = PostResult::Kind;

const core::TimePoint T0 = core::TimePoint(seconds(1'700'000'000));
const core::Scope kScope{"111122223333", "us-east-1"};

PostResult status(long s) { return {Kind::kResponse, s, {}}; }

WebhookDelivery pending() {
  WebhookDelivery d;
  d.id = 3;
  d.webhook_id = "wh-1";
  d.event_seq = 9;
  d.claim_id = "id-1";
  d.created_at = T0;
  d.next_attempt_at = T0;
  return d;
}

// ---------------------------------------------------------------- after_attempt

TEST(AfterAttempt, A2xxIsDelivered) {
  WebhookDelivery d = pending();
  d.last_error = "HTTP 503";
  auto a = DeliveryWorker::after_attempt(d, status(204), T0 + seconds(5), 0.5, {});
  EXPECT_EQ(a.outcome, Outcome::kDelivered);
  EXPECT_EQ(a.delivery.state, State::kDelivered);
  EXPECT_EQ(a.delivery.attempts, 1);
  EXPECT_EQ(a.delivery.first_attempt_at, std::optional(T0 + seconds(5)));
  EXPECT_EQ(a.delivery.last_attempt_at, std::optional(T0 + seconds(5)));
  EXPECT_TRUE(a.delivery.last_error.empty());
}

TEST(AfterAttempt, TransientFailuresBackOffExponentiallyWithJitterUpToTheCap) {
  const WorkerOptions o;
  for (const PostResult& r :
       {status(500), status(503), status(429), PostResult{Kind::kTransport, 0, "timed out"},
        PostResult{Kind::kRefused, 0, "refused to connect to private address 10.0.0.1"}}) {
    WebhookDelivery d = pending();
    auto a = DeliveryWorker::after_attempt(d, r, T0, 0.999999, o);
    EXPECT_EQ(a.outcome, Outcome::kRetry);
    EXPECT_EQ(a.delivery.state, State::kPending);
    EXPECT_FALSE(a.delivery.last_error.empty());
    EXPECT_LE(a.delivery.next_attempt_at, T0 + seconds(30));
    EXPECT_GT(a.delivery.next_attempt_at, T0 + seconds(29));
  }
  WebhookDelivery d = pending();
  d.first_attempt_at = T0;
  d.attempts = 3;  // the 4th: 30 s * 2^3 = 240 s, at least half of it
  auto a = DeliveryWorker::after_attempt(d, status(502), T0 + hours(1), 0.0, o);
  EXPECT_EQ(a.delivery.next_attempt_at, T0 + hours(1) + seconds(120));
  d.attempts = 20;  // capped at an hour
  a = DeliveryWorker::after_attempt(d, status(502), T0 + hours(2), 0.999999, o);
  EXPECT_LE(a.delivery.next_attempt_at, T0 + hours(3));
  EXPECT_GT(a.delivery.next_attempt_at, T0 + hours(3) - seconds(1));
}

TEST(AfterAttempt, GivesUpADayAfterTheFirstAttemptNotTheEvent) {
  WebhookDelivery d = pending();
  d.created_at = T0 - hours(100);  // queued long before (vouch was down)
  d.first_attempt_at = T0;
  d.attempts = 30;
  auto kept = DeliveryWorker::after_attempt(d, status(503), T0 + hours(23), 0.5, {});
  EXPECT_EQ(kept.outcome, Outcome::kRetry);
  auto gone = DeliveryWorker::after_attempt(d, status(503), T0 + hours(24), 0.5, {});
  EXPECT_EQ(gone.outcome, Outcome::kFailed);
  EXPECT_EQ(gone.delivery.state, State::kFailed);
  EXPECT_EQ(gone.delivery.last_error, "gave up after 31 attempts: HTTP 503");
}

TEST(AfterAttempt, A410DisablesAndOther4xxGiveUpThatDelivery) {
  auto gone = DeliveryWorker::after_attempt(pending(), status(410), T0, 0.5, {});
  EXPECT_EQ(gone.outcome, Outcome::kDisabled);
  EXPECT_EQ(gone.delivery.state, State::kFailed);
  EXPECT_EQ(gone.delivery.last_error, "HTTP 410: the endpoint is gone; webhook disabled");
  for (long s : {400L, 401L, 404L, 301L}) {
    auto a = DeliveryWorker::after_attempt(pending(), status(s), T0, 0.5, {});
    EXPECT_EQ(a.outcome, Outcome::kFailed) << s;
    EXPECT_EQ(a.delivery.state, State::kFailed);
    EXPECT_EQ(a.delivery.last_error, "HTTP " + std::to_string(s));
  }
}

// ---------------------------------------------------------------- the worker

struct Posted {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return {};
  }
};

class FakePoster final : public Poster {
 public:
  PostResult post(const std::string& url,
                  const std::vector<std::pair<std::string, std::string>>& headers,
                  const std::string& body) override {
    std::lock_guard lock(mu);
    posted.push_back({url, headers, body});
    return answer;
  }
  std::mutex mu;
  std::vector<Posted> posted;
  PostResult answer = status(200);
};

class DeliveryWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::sqlite::SqliteStore::open(dir_.path() + "/vouch.db");
    ASSERT_OK(s);
    store_ = std::move(*s);
    worker_ = std::make_unique<DeliveryWorker>(*store_, poster_, domain_, wall_, random_,
                                               WorkerOptions{});
  }

  void add_webhook(const std::string& id, std::vector<std::string> types = {}) {
    ASSERT_OK(store_->insert_webhook({id, kScope.account_id, "https://hooks.example/" + id,
                                      std::move(types), "whsec_" + id, T0, false},
                                     10));
  }

  core::Claim claim(const std::string& subject) {
    core::Claim c;
    c.id = "id-" + subject;
    c.scope = kScope;
    c.kind = core::ClaimKind::kSesDomain;
    c.subject = subject;
    c.record_name = "_amazonses." + subject;
    c.token = "t";
    c.created_at = T0;
    c.deadline = T0 + hours(72);
    auto r = store_->insert_claim(c);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : c;
  }

  core::Claim change(core::Claim c, core::ClaimStatus to) {
    const auto from = c.status;
    c.status = to;
    auto r = store_->record_check(c, "{}", core::StatusChange{domain_.now(), from, to});
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : c;
  }

  core::WebhookHealth health(size_t i = 0) {
    auto l = store_->list_webhooks(kScope.account_id);
    EXPECT_TRUE(l.ok());
    return l.ok() && l->size() > i ? (*l)[i].health : core::WebhookHealth{};
  }

  testing::TempDir dir_;
  std::unique_ptr<core::Store> store_;
  FakePoster poster_;
  core::ManualClock domain_{T0};
  core::ManualClock wall_{T0 + hours(1000)};
  core::SeededRandom random_{7};
  std::unique_ptr<DeliveryWorker> worker_;
};

TEST_F(DeliveryWorkerTest, PostsTheEventSignedWithItsHeaders) {
  add_webhook("wh-1");
  change(claim("a.example"), core::ClaimStatus::kVerified);
  EXPECT_EQ(worker_->run_due(), 1u);
  ASSERT_EQ(poster_.posted.size(), 1u);
  const Posted& p = poster_.posted[0];
  EXPECT_EQ(p.url, "https://hooks.example/wh-1");
  auto events = store_->list_events(kScope.account_id, 0, 10);
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(p.body, core::event_json((*events)[0]).dump());
  EXPECT_EQ(p.header("Content-Type"), "application/json");
  EXPECT_EQ(p.header("Vouch-Event-Id"), core::event_id((*events)[0].seq));
  EXPECT_EQ(p.header("Vouch-Webhook-Id"), "wh-1");
  EXPECT_EQ(p.header("User-Agent"), "vouch");
  const int64_t wall = std::chrono::duration_cast<seconds>(wall_.now().time_since_epoch()).count();
  EXPECT_TRUE(crypto::verify_webhook_signature("whsec_wh-1", p.header("Vouch-Signature"), p.body,
                                               wall, 300))
      << "signed at the wall clock's time";
  EXPECT_FALSE(crypto::verify_webhook_signature("whsec_other", p.header("Vouch-Signature"), p.body,
                                                wall, 300));
  EXPECT_EQ(health().delivered, 1);
  EXPECT_EQ(worker_->run_due(), 0u) << "delivered once";
}

TEST_F(DeliveryWorkerTest, RetriesWhenTheDomainClockReachesThemThenDelivers) {
  add_webhook("wh-1");
  change(claim("a.example"), core::ClaimStatus::kVerified);
  poster_.answer = {Kind::kTransport, 0, "Couldn't connect to server"};
  EXPECT_EQ(worker_->run_due(), 1u);
  EXPECT_EQ(health().pending, 1);
  EXPECT_EQ(health().last_error, std::optional<std::string>("Couldn't connect to server"));
  domain_.advance(seconds(14));
  EXPECT_EQ(worker_->run_due(), 0u) << "not before half the first delay";
  domain_.advance(seconds(16));
  poster_.answer = status(200);
  EXPECT_EQ(worker_->run_due(), 1u);
  EXPECT_EQ(health().delivered, 1);
  EXPECT_EQ(health().pending, 0);
}

TEST_F(DeliveryWorkerTest, OneClaimsEventsGoOutInOrderEachAfterTheLast) {
  add_webhook("wh-1");
  core::Claim a = change(claim("a.example"), core::ClaimStatus::kVerified);
  domain_.advance(seconds(1));
  a = change(a, core::ClaimStatus::kUnconfirmed);
  domain_.advance(seconds(1));
  change(a, core::ClaimStatus::kVerified);
  poster_.answer = status(503);
  EXPECT_EQ(worker_->run_due(), 1u) << "the later two wait for the first";
  domain_.advance(hours(1));
  poster_.answer = status(200);
  EXPECT_EQ(worker_->run_due(), 3u) << "then each in turn, pass after pass";
  ASSERT_EQ(poster_.posted.size(), 4u);
  std::vector<std::string> ids;
  for (const auto& p : poster_.posted) ids.push_back(p.header("Vouch-Event-Id"));
  EXPECT_EQ(ids[0], ids[1]);
  EXPECT_LT(core::event_seq(ids[1]), core::event_seq(ids[2]));
  EXPECT_LT(core::event_seq(ids[2]), core::event_seq(ids[3]));
}

TEST_F(DeliveryWorkerTest, A410StopsEveryDeliveryToThatWebhookOnly) {
  add_webhook("wh-gone");
  change(claim("a.example"), core::ClaimStatus::kVerified);
  change(claim("b.example"), core::ClaimStatus::kVerified);
  poster_.answer = status(410);
  EXPECT_EQ(worker_->run_due(), 2u);  // both went out in the same batch
  add_webhook("wh-live");
  change(claim("c.example"), core::ClaimStatus::kVerified);
  poster_.answer = status(200);
  domain_.advance(hours(2));
  poster_.posted.clear();
  EXPECT_EQ(worker_->run_due(), 1u);
  ASSERT_EQ(poster_.posted.size(), 1u);
  EXPECT_EQ(poster_.posted[0].header("Vouch-Webhook-Id"), "wh-live");
  auto l = store_->list_webhooks(kScope.account_id);
  ASSERT_OK(l);
  EXPECT_TRUE((*l)[0].webhook.disabled);
  EXPECT_FALSE((*l)[1].webhook.disabled);
}

TEST_F(DeliveryWorkerTest, A400GivesUpThatDeliveryAndTheNextGoesOut) {
  add_webhook("wh-1");
  core::Claim a = change(claim("a.example"), core::ClaimStatus::kVerified);
  poster_.answer = status(400);
  EXPECT_EQ(worker_->run_due(), 1u);
  EXPECT_EQ(health().failed, 1);
  change(a, core::ClaimStatus::kUnconfirmed);
  poster_.answer = status(200);
  EXPECT_EQ(worker_->run_due(), 1u);
  EXPECT_EQ(health().delivered, 1);
  EXPECT_EQ(health().failed, 1);
}

TEST_F(DeliveryWorkerTest, PruneDeletesFinishedRowsPastTheRetention) {
  add_webhook("wh-1");
  change(claim("a.example"), core::ClaimStatus::kVerified);
  poster_.answer = status(400);  // given up: a row (a delivered one leaves none)
  EXPECT_EQ(worker_->run_due(), 1u);
  EXPECT_EQ(worker_->prune(), 0u);
  domain_.advance(hours(7 * 24 + 1));
  EXPECT_EQ(worker_->prune(), 1u);
  EXPECT_EQ(health().failed, 1) << "counted since the webhook was made";
}

// serve() wires the store's on_change to wake(): a change recorded on this
// node goes out at once, not at the worker's next poll.
TEST_F(DeliveryWorkerTest, ARecordedChangeWakesTheBackgroundWorkerBeforeItsPoll) {
  add_webhook("wh-1");
  core::Claim a = claim("a.example");
  core::Claim b = claim("b.example");
  testing::FakeTimer timer;
  WorkerOptions options;
  options.timer = &timer;
  options.retention = core::Seconds(0);  // no prune pass in the loop
  auto* inner = store_.get();
  store::DueNotifyingStore notifying(std::move(store_));
  DeliveryWorker worker(notifying, poster_, domain_, wall_, random_, options);
  notifying.on_change([&worker] { worker.wake(); });
  worker.start();
  auto posted = [&] {
    std::lock_guard lock(poster_.mu);
    return poster_.posted.size();
  };
  ASSERT_TRUE(testing::eventually([&] { return timer.parked() == 1; })) << "waiting to poll";
  const uint64_t waits = timer.waits();
  a.status = core::ClaimStatus::kVerified;
  ASSERT_OK(notifying.record_check(
      a, "{}", core::StatusChange{T0, core::ClaimStatus::kPending, core::ClaimStatus::kVerified}));
  ASSERT_TRUE(testing::eventually([&] { return posted() == 1; })) << "woken, not polled";

  // The control: a change the notifier never saw waits for the poll.
  b.status = core::ClaimStatus::kVerified;
  ASSERT_TRUE(testing::eventually([&] { return timer.waits() > waits && timer.parked() == 1; }))
      << "its pass over, waiting again";
  ASSERT_OK(inner->record_check(
      b, "{}", core::StatusChange{T0, core::ClaimStatus::kPending, core::ClaimStatus::kVerified}));
  const uint64_t looked = timer.checks();
  ASSERT_TRUE(testing::eventually([&] { return timer.checks() > looked + 5; }))
      << "parked, looking at its condition again and again";
  EXPECT_EQ(posted(), 1u);
  timer.advance(options.poll_interval);
  ASSERT_TRUE(testing::eventually([&] { return posted() == 2; })) << "the poll finds it";
}

}  // namespace
}  // namespace vouch::webhook
