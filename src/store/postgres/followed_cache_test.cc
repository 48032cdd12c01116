// The fleet's identity cache: every claim write NOTIFYs its key while a
// listener is connected, a ChangeListener hears it on its own connection, and
// a FollowedCache on another node forgets the entry; a lost listener
// connection stops caching.
#include "store/postgres/followed_cache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "store/postgres/pg_test_util.h"

namespace vouch::store::postgres {
namespace {

using core::Claim;
using core::ClaimStatus;
using std::chrono::hours;

Claim domain(int n) {
  Claim c = make_claim(n);
  c.next_check_at = T0;
  return c;
}

std::string key_of(const Claim& c) {
  return c.scope.account_id + '\x1f' + c.scope.region + '\x1f' + c.subject;
}

// Waits up to 10 s (the bound of a failure, not a timing) for `done`.
template <typename Pred>
bool eventually(Pred done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// What a ChangeListener hands out, in order: keys, and "following:0|1".
class Heard {
 public:
  ChangeListener::Handler handler() {
    return {[this](std::string_view key) { add(std::string(key)); },
            [this](bool f) { add(f ? "following:1" : "following:0"); }};
  }
  bool wait_for(const std::string& event, size_t nth = 1) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return count(event) >= nth; });
  }
  // What was heard before `marker` (a key notified by hand after the writes).
  std::vector<std::string> before(const std::string& marker) {
    EXPECT_TRUE(wait_for(marker)) << marker;
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (auto& e : events_) {
      if (e == marker) break;
      if (e.rfind("following:", 0) != 0) out.push_back(e);
    }
    events_.clear();
    return out;
  }

 private:
  void add(std::string e) {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(e));
    cv_.notify_all();
  }
  size_t count(const std::string& e) const { return std::count(events_.begin(), events_.end(), e); }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

void notify(const std::string& db, const std::string& payload) {
  query(db, "SELECT pg_notify('" VOUCH_CLAIMS_CHANNEL "', '" + payload + "')::text");
}

std::string end_listeners(const std::string& db) {
  return query(db, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                   "application_name = 'vouch-listener' AND datname = current_database()");
}

TEST(PostgresChangeListenerTest, EveryWriteOfAClaimIsHeardByItsKey) {
  const std::string db = fresh_database();
  auto store = open_store(db);
  ASSERT_NE(store, nullptr);
  Heard heard;
  auto listener = ChangeListener::start(db, heard.handler());
  ASSERT_TRUE(heard.wait_for("following:1"));

  Claim a = *store->insert_claim(domain(1));
  Claim b = *store->insert_claim(domain(2));
  notify(db, "m1");
  // A new subject has no cached row anywhere: inserts are not notified.
  EXPECT_EQ(heard.before("m1"), std::vector<std::string>{});

  a.status = ClaimStatus::kVerified;
  a.next_check_at.reset();
  a = *store->update_claim(a);
  notify(db, "m2");
  EXPECT_EQ(heard.before("m2"), std::vector<std::string>{key_of(a)});

  a = *store->record_check(a, "{}", std::nullopt);
  notify(db, "m3");
  EXPECT_EQ(heard.before("m3"), std::vector<std::string>{key_of(a)});

  auto leased = store->lease_due_claims(T0 + hours(1), T0 + hours(2), 10);  // b only
  ASSERT_OK(leased);
  ASSERT_EQ(leased->size(), 1u);
  notify(db, "m4");
  EXPECT_EQ(heard.before("m4"), std::vector<std::string>{key_of(b)});

  auto recorded = store->record_checks({{a, "{}", std::nullopt}, {b, "{}", std::nullopt}});
  ASSERT_EQ(recorded.size(), 2u);
  notify(db, "m5");
  auto keys = heard.before("m5");
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{key_of(a), key_of(b)}));

  ASSERT_OK(store->delete_claim(kScope, a.id));
  notify(db, "m6");
  EXPECT_EQ(heard.before("m6"), std::vector<std::string>{key_of(a)});

  ASSERT_OK(store->clear_claims());
  notify(db, "m7");
  EXPECT_EQ(heard.before("m7"), std::vector<std::string>{"*"});
}

TEST(PostgresChangeListenerTest, ALostConnectionIsSaidAndListeningResumes) {
  const std::string db = fresh_database();
  auto store = open_store(db);
  ASSERT_NE(store, nullptr);
  Heard heard;
  auto listener = ChangeListener::start(db, heard.handler(), 10);
  ASSERT_TRUE(heard.wait_for("following:1"));
  EXPECT_EQ(listener->connects(), 1u);

  EXPECT_EQ(end_listeners(db), "1");
  EXPECT_TRUE(heard.wait_for("following:0"));
  EXPECT_TRUE(heard.wait_for("following:1", 2));
  EXPECT_EQ(listener->connects(), 2u);
  Claim a = *store->insert_claim(domain(1));
  a = *store->update_claim(a);
  notify(db, "after");
  EXPECT_EQ(heard.before("after"), std::vector<std::string>{key_of(a)});
}

// A plain LISTEN on the claims' channel, not a ChangeListener: it hears
// what writers send without making them send it.
class Spy {
 public:
  explicit Spy(const std::string& db) : c_(PQconnectdb(db.c_str())) {
    PQclear(PQexec(c_, "LISTEN " VOUCH_CLAIMS_CHANNEL));
  }
  ~Spy() { PQfinish(c_); }
  // The payloads heard before `marker` (notified by hand after the writes).
  std::vector<std::string> before(const std::string& db, const std::string& marker) {
    notify(db, marker);
    std::vector<std::string> out;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until) {
      PQclear(PQexec(c_, "SELECT 1"));  // takes in what has arrived
      while (PGnotify* n = PQnotifies(c_)) {
        std::string payload = n->extra;
        PQfreemem(n);
        if (payload == marker) return out;
        out.push_back(payload);
      }
    }
    ADD_FAILURE() << "never heard " << marker;
    return out;
  }

 private:
  PGconn* c_;
};

// Whether writers see a listener connected ("true" or "false").
std::string followed(const std::string& db) { return query(db, "SELECT vouch_followed()::text"); }

TEST(PostgresChangeListenerTest, WritesNotifyOnlyWhileAListenerIsConnected) {
  const std::string db = fresh_database();
  auto store = open_store(db);
  ASSERT_NE(store, nullptr);
  Spy spy(db);
  Claim a = *store->insert_claim(domain(1));
  ASSERT_EQ(followed(db), "false");
  a = *store->update_claim(a);
  a = store->lease_due_claims(T0, T0 + hours(1), 10)->at(0);
  a = *store->record_check(a, "{}", std::nullopt);
  EXPECT_EQ(spy.before(db, "m1"), std::vector<std::string>{}) << "nobody follows";

  {  // Control: with a listener connected, the same writes are notified.
    Heard heard;
    auto listener = ChangeListener::start(db, heard.handler());
    ASSERT_TRUE(heard.wait_for("following:1"));
    ASSERT_EQ(followed(db), "true");
    a = *store->update_claim(a);
    a.next_check_at = T0;
    a = *store->record_check(a, "{}", std::nullopt);
    ASSERT_EQ(store->lease_due_claims(T0, T0 + hours(1), 10)->size(), 1u);
    EXPECT_EQ(spy.before(db, "m2"), std::vector<std::string>(3, key_of(a)));
  }
  ASSERT_TRUE(eventually([&] { return followed(db) == "false"; }));
  a = *store->update_claim(store->get_claim(kScope, a.id)->value());
  EXPECT_EQ(spy.before(db, "m3"), std::vector<std::string>{}) << "the listener has gone";
}

TEST(PostgresChangeListenerTest, ListeningWaitsForTransactionsOpenBeforeIt) {
  const std::string db = fresh_database();
  auto store = open_store(db);
  ASSERT_NE(store, nullptr);
  Claim a = *store->insert_claim(domain(1));
  // A writer that looked for listeners before there was one: it will not notify.
  PGconn* w = PQconnectdb(db.c_str());
  PQclear(PQexec(w, "BEGIN"));
  PQclear(PQexec(w, ("UPDATE claims SET status = 1 WHERE id = '" + a.id + "'").c_str()));
  Heard heard;
  auto listener = ChangeListener::start(db, heard.handler());
  // The listener has looked for older transactions (and found this one)...
  ASSERT_TRUE(eventually([&] {
    return query(db, "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                     "'vouch-listener' AND query LIKE 'SELECT count(*)%'") == "1";
  }));
  PQclear(PQexec(w, "SELECT 1"));  // (still open)
  EXPECT_EQ(listener->connects(), 0u) << "following while an older writer is open";
  PQclear(PQexec(w, "COMMIT"));
  PQfinish(w);
  // ...and follows once it has ended.
  EXPECT_TRUE(heard.wait_for("following:1"));
  EXPECT_EQ(listener->connects(), 1u);
}

class PostgresFollowedCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = fresh_database();
    ASSERT_FALSE(db_.empty());
    writer_ = open_store(db_);
    ASSERT_NE(writer_, nullptr);
  }
  // A node with the cache; `retry_ms` before its listener reconnects.
  void start_reader(int retry_ms) {
    auto inner = open_store(db_);
    ASSERT_NE(inner, nullptr);
    reader_ = std::make_unique<FollowedCache>(std::move(inner), db_, 100, retry_ms);
    ASSERT_TRUE(eventually([&] { return reader_->listener().connects() >= 1; }));
  }
  ClaimStatus status_on_reader(const std::string& subject) {
    auto r = reader_->find_identity(kScope, subject);
    EXPECT_TRUE(r.ok() && r->has_value()) << subject;
    return r.ok() && *r ? (*r)->status : ClaimStatus::kFailed;
  }
  size_t entries() { return reader_->cache().stats().entries; }
  // Verifies the claim behind every store's back: nobody is told.
  void verify_unheard(const Claim& c) {
    query(db_, "UPDATE claims SET status = 1 WHERE id = '" + c.id + "'");
  }

  std::string db_;
  std::unique_ptr<PostgresStore> writer_;
  std::unique_ptr<FollowedCache> reader_;
};

TEST_F(PostgresFollowedCacheTest, AWriteOnAnotherNodeReachesTheCache) {
  start_reader(1000);
  Claim a = *writer_->insert_claim(domain(1));
  Claim b = *writer_->insert_claim(domain(2));
  ASSERT_EQ(status_on_reader(a.subject), ClaimStatus::kPending);
  ASSERT_EQ(status_on_reader(b.subject), ClaimStatus::kPending);
  ASSERT_EQ(entries(), 2u);
  // Control: a change nobody is told of stays unseen, the cache answers.
  verify_unheard(b);
  EXPECT_EQ(status_on_reader(b.subject), ClaimStatus::kPending);

  a.status = ClaimStatus::kVerified;
  ASSERT_OK(writer_->update_claim(a));
  ASSERT_TRUE(eventually([&] { return entries() == 1; }));
  EXPECT_EQ(status_on_reader(a.subject), ClaimStatus::kVerified);
  EXPECT_EQ(status_on_reader(b.subject), ClaimStatus::kPending);  // still the stale entry

  ASSERT_OK(writer_->delete_claim(kScope, a.id));
  ASSERT_TRUE(eventually([&] { return entries() == 1; }));
  auto gone = reader_->find_identity(kScope, a.subject);
  ASSERT_OK(gone);
  EXPECT_FALSE(gone->has_value());
}

TEST_F(PostgresFollowedCacheTest, NothingIsCachedWhileTheListenerIsDown) {
  start_reader(60'000);  // it stays down for the test
  Claim a = *writer_->insert_claim(domain(1));
  ASSERT_EQ(status_on_reader(a.subject), ClaimStatus::kPending);
  ASSERT_EQ(entries(), 1u);

  EXPECT_EQ(end_listeners(db_), "1");
  ASSERT_TRUE(eventually([&] { return entries() == 0; }));
  ASSERT_EQ(status_on_reader(a.subject), ClaimStatus::kPending);
  EXPECT_EQ(entries(), 0u);
  verify_unheard(a);  // would be missed, but nothing was cached
  EXPECT_EQ(status_on_reader(a.subject), ClaimStatus::kVerified);
}

TEST_F(PostgresFollowedCacheTest, AReconnectedListenerStartsFromAnEmptyCache) {
  start_reader(10);
  Claim a = *writer_->insert_claim(domain(1));
  ASSERT_EQ(status_on_reader(a.subject), ClaimStatus::kPending);
  ASSERT_EQ(entries(), 1u);
  EXPECT_EQ(end_listeners(db_), "1");
  ASSERT_TRUE(eventually([&] { return reader_->listener().connects() >= 2; }));
  verify_unheard(a);  // made while the listener may have been away
  EXPECT_EQ(status_on_reader(a.subject), ClaimStatus::kVerified);
  EXPECT_EQ(entries(), 1u);  // caching again
  EXPECT_EQ(status_on_reader(a.subject), ClaimStatus::kVerified);
}

}  // namespace
}  // namespace vouch::store::postgres
