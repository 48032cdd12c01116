// The outbox worker: MailDelivery::after_attempt (what one attempt writes to
// the outbox) and the worker itself against a fake Mailer over a real
// SqliteStore in a temp dir.
#include "mail/mail_delivery.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "testing/eventually.h"
#include "testing/fake_timer.h"
#include "testing/printers.h"
#include "testing/temp_dir.h"

namespace vouch::mail {
namespace {

using core::Mail;
using core::SendResult;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Kind = core::SendResult::Kind;
using vouch::testing::eventually;

const core::TimePoint T0 = core::TimePoint(seconds(1'700'000'000));

Mail queued_mail(const std::string& to = "a@example.com", core::TimePoint created = T0) {
  Mail m;
  m.id = 7;
  m.claim_id = "id-00000000000000000001";
  m.scope = {"111122223333", "us-east-1"};
  m.from = "verify@vouch.test";
  m.to = to;
  m.subject = "s";
  m.text_body = "t";
  m.html_body = "<p>h</p>";
  m.created_at = created;
  m.next_attempt_at = created;
  return m;
}

// ---------------------------------------------------------------- after_attempt

TEST(AfterAttempt, AcceptedIsSent) {
  Mail m = queued_mail();
  m.last_error = "earlier trouble";
  m.attempts = 2;
  Mail out = MailDelivery::after_attempt(m, {Kind::kAccepted, "250"}, T0 + seconds(9),
                                         DeliveryOptions{});
  EXPECT_EQ(out.state, Mail::State::kSent);
  EXPECT_EQ(out.attempts, 3);
  ASSERT_TRUE(out.sent_at.has_value());
  EXPECT_EQ(*out.sent_at, T0 + seconds(9));
  EXPECT_TRUE(out.last_error.empty());
}

TEST(AfterAttempt, PermanentFailsAtOnceKeepingTheReply) {
  Mail out = MailDelivery::after_attempt(queued_mail(), {Kind::kPermanent, "SMTP 550 no such user"},
                                         T0 + seconds(1), DeliveryOptions{});
  EXPECT_EQ(out.state, Mail::State::kFailed);
  EXPECT_EQ(out.attempts, 1);
  EXPECT_EQ(out.last_error, "SMTP 550 no such user");
  EXPECT_FALSE(out.sent_at.has_value());
}

TEST(AfterAttempt, TransientStaysQueuedWithBackoff) {
  const DeliveryOptions o;
  const core::TimePoint now = T0 + seconds(2);
  Mail out = MailDelivery::after_attempt(queued_mail(), {Kind::kTransient, "SMTP 450 try later"},
                                         now, o);
  EXPECT_EQ(out.state, Mail::State::kQueued);
  EXPECT_EQ(out.attempts, 1);
  EXPECT_EQ(out.last_error, "SMTP 450 try later");
  EXPECT_EQ(out.next_attempt_at, now + seconds(5));
  EXPECT_FALSE(out.sent_at.has_value());
}

TEST(AfterAttempt, BackoffDoublesFromFiveSecondsUpToAnHour) {
  const DeliveryOptions o;
  ASSERT_EQ(o.first_retry, seconds(5));
  ASSERT_EQ(o.max_retry, seconds(3600));
  Mail m = queued_mail();
  core::TimePoint now = T0;
  std::vector<int64_t> delays;
  for (int i = 0; i < 14; ++i) {
    m = MailDelivery::after_attempt(m, {Kind::kTransient, "Connection refused"}, now, o);
    ASSERT_EQ(m.state, Mail::State::kQueued) << "attempt " << m.attempts;
    delays.push_back(std::chrono::duration_cast<seconds>(m.next_attempt_at - now).count());
    now = m.next_attempt_at;
  }
  const std::vector<int64_t> want = {5,   10,   20,   40,   80,   160,  320,
                                     640, 1280, 2560, 3600, 3600, 3600, 3600};
  EXPECT_EQ(delays, want);
  EXPECT_EQ(m.attempts, 14);
}

TEST(AfterAttempt, CapHoldsForVeryManyAttempts) {
  const DeliveryOptions o;
  Mail m = queued_mail();
  m.attempts = 5000;  // 2^4999 overflows any integer
  Mail out = MailDelivery::after_attempt(m, {Kind::kTransient, "x"}, T0 + hours(1), o);
  EXPECT_EQ(out.state, Mail::State::kQueued);
  EXPECT_EQ(out.next_attempt_at, T0 + hours(1) + seconds(3600));
}

TEST(AfterAttempt, CustomOptions) {
  DeliveryOptions o;
  o.first_retry = seconds(1);
  o.max_retry = seconds(6);
  Mail m = queued_mail();
  std::vector<int64_t> delays;
  for (int i = 0; i < 5; ++i) {
    m = MailDelivery::after_attempt(m, {Kind::kTransient, "x"}, T0, o);
    delays.push_back(std::chrono::duration_cast<seconds>(m.next_attempt_at - T0).count());
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{1, 2, 4, 6, 6}));
}

TEST(AfterAttempt, GivesUpAfterADayOfTransientFailures) {
  const DeliveryOptions o;
  Mail m = queued_mail();
  m.attempts = 30;
  // Just before the day is over it still retries...
  Mail before = MailDelivery::after_attempt(m, {Kind::kTransient, "Connection refused"},
                                            T0 + hours(24) - seconds(1), o);
  EXPECT_EQ(before.state, Mail::State::kQueued);
  // ...at 24 h it gives up, saying why.
  Mail out = MailDelivery::after_attempt(m, {Kind::kTransient, "Connection refused"},
                                         T0 + hours(24), o);
  EXPECT_EQ(out.state, Mail::State::kFailed);
  EXPECT_EQ(out.attempts, 31);
  EXPECT_NE(out.last_error.find("gave up after 31 attempts"), std::string::npos) << out.last_error;
  EXPECT_NE(out.last_error.find("Connection refused"), std::string::npos) << out.last_error;
  EXPECT_FALSE(out.sent_at.has_value());
}

TEST(AfterAttempt, AcceptedLateIsStillSent) {
  Mail out = MailDelivery::after_attempt(queued_mail(), {Kind::kAccepted, "250"}, T0 + hours(30),
                                         DeliveryOptions{});
  EXPECT_EQ(out.state, Mail::State::kSent);
}

// ---------------------------------------------------------------- the worker

// Answers per recipient from a script (then `otherwise`), counting calls.
class FakeMailer final : public core::Mailer {
 public:
  SendResult send(const Mail& m) override {
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    std::lock_guard lock(mu_);
    ++calls_[m.id];
    ++total_;
    auto& script = scripts_[m.to];
    SendResult r = otherwise;
    if (!script.empty()) {
      r = script.front();
      script.pop_front();
    }
    if (r.kind == Kind::kAccepted) ++accepted_[m.id];
    return r;
  }
  void script(const std::string& to, std::deque<SendResult> results) {
    std::lock_guard lock(mu_);
    scripts_[to] = std::move(results);
  }
  int calls(int64_t id) {
    std::lock_guard lock(mu_);
    return calls_[id];
  }
  std::map<int64_t, int> accepted() {
    std::lock_guard lock(mu_);
    return accepted_;
  }
  int total() {
    std::lock_guard lock(mu_);
    return total_;
  }

  SendResult otherwise{Kind::kAccepted, "250"};
  milliseconds delay{0};

 private:
  std::mutex mu_;
  std::map<std::string, std::deque<SendResult>> scripts_;
  std::map<int64_t, int> calls_;
  std::map<int64_t, int> accepted_;
  int total_ = 0;
};

class DeliveryWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::sqlite::SqliteStore::open(dir_.file("vouch.db"));
    ASSERT_OK(opened);
    store_ = std::move(*opened);
    options_.timer = &timer_;  // polls come when a test moves time, not by themselves
  }
  void TearDown() override { delivery_.reset(); }

  void start() {
    delivery_ = std::make_unique<MailDelivery>(*store_, mailer_, clock_, options_);
    delivery_->start();
  }

  Mail enqueue(const std::string& to) {
    Mail m = queued_mail(to, clock_.now());
    m.id = 0;
    auto r = store_->enqueue_mail(m);
    EXPECT_OK(r);
    if (delivery_) delivery_->wake();
    return r.ok() ? *r : m;
  }

  Mail stored(int64_t id) {
    auto r = store_->list_mail(std::nullopt, id);
    EXPECT_OK(r);
    if (!r.ok() || r->size() != 1) {
      ADD_FAILURE() << "message " << id << " not in the outbox";
      return {};
    }
    return (*r)[0];
  }

  // Until `done` holds, moving the poll timer on each time it does not. One
  // advance can be lost: the worker takes its next deadline from the timer
  // after its read, so an advance between the two moves the deadline too.
  // The poll timer paces reads only (what is due follows clock_), so more
  // advances only make it look more often.
  template <class Pred>
  bool polled(Pred done) {
    return eventually([&] {
      if (done()) return true;
      timer_.advance(options_.poll_interval);
      return false;
    });
  }

  // Waits until the worker has read the outbox `n` more times: whatever it
  // would (wrongly) send, it has taken by then.
  void let_it_look(uint64_t n = 3) {
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t from = delivery_->outbox_reads();
      ASSERT_TRUE(polled([&] { return delivery_->outbox_reads() > from; }));
    }
  }

  // Moves the mail clock and the poll timer together, as real time would.
  void advance(core::Seconds d) {
    clock_.advance(d);
    timer_.advance(d);
  }

  vouch::testing::TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  core::ManualClock clock_{T0};
  vouch::testing::FakeTimer timer_;
  FakeMailer mailer_;
  DeliveryOptions options_;
  std::unique_ptr<MailDelivery> delivery_;
};

TEST_F(DeliveryWorkerTest, DeliversOnceAndRecordsIt) {
  start();
  Mail m = enqueue("a@example.com");
  ASSERT_TRUE(eventually([&] { return stored(m.id).state == Mail::State::kSent; }));
  let_it_look();  // a few more polls to (wrongly) send it again
  EXPECT_EQ(mailer_.calls(m.id), 1);
  Mail s = stored(m.id);
  EXPECT_EQ(s.attempts, 1);
  ASSERT_TRUE(s.sent_at.has_value());
  EXPECT_EQ(*s.sent_at, T0);
  EXPECT_TRUE(s.last_error.empty());
  auto q = store_->count_queued_mail();
  ASSERT_OK(q);
  EXPECT_EQ(*q, 0u);
}

TEST_F(DeliveryWorkerTest, PicksUpWhatWasQueuedBeforeStart) {
  Mail a = enqueue("a@example.com");
  Mail b = enqueue("b@example.com");
  start();
  ASSERT_TRUE(eventually([&] {
    return stored(a.id).state == Mail::State::kSent && stored(b.id).state == Mail::State::kSent;
  }));
  EXPECT_EQ(mailer_.calls(a.id), 1);
  EXPECT_EQ(mailer_.calls(b.id), 1);
}

// Many messages through 8 senders: every one is handed to the mailer exactly
// once. The filler reads the outbox while senders finish messages; a message
// recorded as sent during that read must not be queued again (the read may
// still return it as queued). Big bodies make each read slow, so senders do
// finish during reads; before the fix most runs saw duplicates.
TEST_F(DeliveryWorkerTest, ManyMessagesEachDeliveredExactlyOnce) {
  std::vector<int64_t> ids;
  const std::string big(32 * 1024, 'x');
  for (int i = 0; i < 600; ++i) {
    Mail m = queued_mail("m" + std::to_string(i) + "@example.com", clock_.now());
    m.id = 0;
    m.html_body = big;
    auto r = store_->enqueue_mail(m);
    ASSERT_OK(r);
    ids.push_back(r->id);
  }
  start();
  ASSERT_TRUE(eventually(
      [&] {
        auto q = store_->count_queued_mail();
        return q.ok() && *q == 0;
      },
      milliseconds(30000)));
  let_it_look();
  auto accepted = mailer_.accepted();
  int dup = 0;
  for (int64_t id : ids) {
    if (accepted[id] != 1) ++dup;
  }
  EXPECT_EQ(dup, 0) << "messages not delivered exactly once";
  EXPECT_EQ(mailer_.total(), 600);
}

TEST_F(DeliveryWorkerTest, TransientFailureIsRetriedAfterBackoff) {
  mailer_.script("a@example.com", {{Kind::kTransient, "Couldn't connect to server"},
                                   {Kind::kTransient, "SMTP 451 local error"}});
  start();
  Mail m = enqueue("a@example.com");
  ASSERT_TRUE(eventually([&] { return stored(m.id).attempts == 1; }));
  Mail s = stored(m.id);
  EXPECT_EQ(s.state, Mail::State::kQueued);
  EXPECT_EQ(s.last_error, "Couldn't connect to server");
  EXPECT_EQ(s.next_attempt_at, T0 + seconds(5));
  // Not due yet: nothing happens however often it polls.
  let_it_look();
  EXPECT_EQ(mailer_.calls(m.id), 1);

  advance(seconds(5));
  ASSERT_TRUE(polled([&] { return stored(m.id).attempts == 2; }));
  s = stored(m.id);
  EXPECT_EQ(s.state, Mail::State::kQueued);
  EXPECT_EQ(s.last_error, "SMTP 451 local error");
  EXPECT_EQ(s.next_attempt_at, T0 + seconds(5) + seconds(10));

  advance(seconds(9));
  let_it_look();
  EXPECT_EQ(mailer_.calls(m.id), 2) << "retried before the backoff was over";
  advance(seconds(1));
  ASSERT_TRUE(polled([&] { return stored(m.id).state == Mail::State::kSent; }));
  s = stored(m.id);
  EXPECT_EQ(s.attempts, 3);
  EXPECT_TRUE(s.last_error.empty());
  EXPECT_EQ(mailer_.calls(m.id), 3);
}

TEST_F(DeliveryWorkerTest, PermanentFailureIsRecordedAndNotRetried) {
  mailer_.script("bad@example.com", {{Kind::kPermanent, "SMTP 550 5.1.1 no such user"}});
  start();
  Mail bad = enqueue("bad@example.com");
  Mail good = enqueue("good@example.com");
  ASSERT_TRUE(eventually([&] { return stored(bad.id).state == Mail::State::kFailed; }));
  ASSERT_TRUE(eventually([&] { return stored(good.id).state == Mail::State::kSent; }));
  advance(hours(2));
  delivery_->wake();
  let_it_look();
  Mail s = stored(bad.id);
  EXPECT_EQ(s.attempts, 1);
  EXPECT_EQ(s.last_error, "SMTP 550 5.1.1 no such user");
  EXPECT_FALSE(s.sent_at.has_value());
  EXPECT_EQ(mailer_.calls(bad.id), 1);
  EXPECT_EQ(mailer_.calls(good.id), 1);
}

TEST_F(DeliveryWorkerTest, GivesUpAfterADay) {
  mailer_.otherwise = {Kind::kTransient, "Connection refused"};
  start();
  Mail m = enqueue("a@example.com");
  ASSERT_TRUE(eventually([&] { return stored(m.id).attempts == 1; }));
  advance(hours(24));
  delivery_->wake();
  ASSERT_TRUE(eventually([&] { return stored(m.id).state == Mail::State::kFailed; }));
  Mail s = stored(m.id);
  EXPECT_EQ(s.attempts, 2);
  EXPECT_NE(s.last_error.find("gave up after 2 attempts"), std::string::npos) << s.last_error;
}

TEST_F(DeliveryWorkerTest, StopsPromptlyAndLeavesUnsentMailQueued) {
  mailer_.otherwise = {Kind::kTransient, "Connection refused"};
  start();
  Mail m = enqueue("a@example.com");
  ASSERT_TRUE(eventually([&] { return stored(m.id).attempts == 1; }));
  const auto t = std::chrono::steady_clock::now();
  delivery_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t, milliseconds(2000));
  EXPECT_EQ(stored(m.id).state, Mail::State::kQueued);
  // A new worker (as after a restart) picks it up when due.
  mailer_.otherwise = {Kind::kAccepted, "250"};
  advance(seconds(5));
  start();
  ASSERT_TRUE(eventually([&] { return stored(m.id).state == Mail::State::kSent; }));
  EXPECT_EQ(mailer_.calls(m.id), 2);
}

// Two nodes on one outbox: with leases, each message goes to SMTP once.
TEST_F(DeliveryWorkerTest, NodesSharingAnOutboxSendEachMessageOnce) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 200; ++i) ids.push_back(enqueue("n" + std::to_string(i) + "@example.com").id);
  options_.lease_for = seconds(300);
  MailDelivery a(*store_, mailer_, clock_, options_);
  MailDelivery b(*store_, mailer_, clock_, options_);
  a.start();
  b.start();
  ASSERT_TRUE(eventually(
      [&] {
        timer_.advance(options_.poll_interval);
        auto q = store_->count_queued_mail();
        return q.ok() && *q == 0;
      },
      milliseconds(30000)));
  auto accepted = mailer_.accepted();
  int wrong = 0;
  for (int64_t id : ids) wrong += accepted[id] != 1;
  EXPECT_EQ(wrong, 0) << "messages not delivered exactly once";
  EXPECT_EQ(mailer_.total(), 200);
}

TEST_F(DeliveryWorkerTest, MailLeasedByADeadNodeIsSentWhenTheLeaseRunsOut) {
  Mail m = enqueue("orphan@example.com");
  auto taken = store_->lease_due_mail(clock_.now(), clock_.now() + seconds(300), 10);
  ASSERT_OK(taken);
  ASSERT_EQ(taken->size(), 1u);  // a node took it and died
  options_.lease_for = seconds(300);
  start();
  let_it_look();
  EXPECT_EQ(mailer_.calls(m.id), 0);
  advance(seconds(300));
  ASSERT_TRUE(polled([&] { return stored(m.id).state == Mail::State::kSent; }));
  EXPECT_EQ(mailer_.calls(m.id), 1);
}

TEST_F(DeliveryWorkerTest, PrunesOldSentAndFailedMailButNeverQueuedMail) {
  options_.retention = seconds(3600);
  auto put = [&](Mail::State state, core::TimePoint created) {
    Mail m = queued_mail("old@example.com", created);
    m.id = 0;
    m.state = state;
    m.next_attempt_at = created + hours(1000);  // not due: stays queued
    auto r = store_->enqueue_mail(m);
    EXPECT_OK(r);
    return r.ok() ? r->id : 0;
  };
  const int64_t old_sent = put(Mail::State::kSent, T0);
  const int64_t old_failed = put(Mail::State::kFailed, T0);
  const int64_t old_queued = put(Mail::State::kQueued, T0);
  const int64_t fresh_sent = put(Mail::State::kSent, T0 + seconds(1800));
  auto ids = [&] {
    std::vector<int64_t> out;
    auto r = store_->list_mail(std::nullopt, std::nullopt);
    EXPECT_OK(r);
    if (r.ok())
      for (const auto& m : *r) out.push_back(m.id);
    return out;
  };
  delivery_ = std::make_unique<MailDelivery>(*store_, mailer_, clock_, options_);
  clock_.set(T0 + seconds(3599));
  EXPECT_EQ(delivery_->prune(), 0u);  // not yet past the retention
  clock_.set(T0 + seconds(3601));
  EXPECT_EQ(delivery_->prune(), 2u);
  EXPECT_EQ(ids(), (std::vector<int64_t>{old_queued, fresh_sent}));
  (void)old_sent;
  (void)old_failed;
}

TEST_F(DeliveryWorkerTest, TheWorkerPrunesOnItsOwn) {
  options_.retention = seconds(60);
  Mail m = queued_mail("gone@example.com", T0 - seconds(120));
  m.id = 0;
  m.state = Mail::State::kSent;
  auto r = store_->enqueue_mail(m);
  ASSERT_OK(r);
  start();
  ASSERT_TRUE(eventually([&] {
    auto left = store_->list_mail(std::nullopt, std::nullopt);
    return left.ok() && left->empty();
  }));
}

TEST_F(DeliveryWorkerTest, ZeroRetentionKeepsEverything) {
  options_.retention = seconds(0);
  Mail m = queued_mail("kept@example.com", T0 - hours(1000));
  m.id = 0;
  m.state = Mail::State::kSent;
  ASSERT_OK(store_->enqueue_mail(m));
  delivery_ = std::make_unique<MailDelivery>(*store_, mailer_, clock_, options_);
  EXPECT_EQ(delivery_->prune(), 0u);
  auto left = store_->list_mail(std::nullopt, std::nullopt);
  ASSERT_OK(left);
  EXPECT_EQ(left->size(), 1u);
}

}  // namespace
}  // namespace vouch::mail
