// Follows the claims every node changes: each claim write NOTIFYs the
// channel below with the identity cache's key of the claim, in the writing
// transaction, and a ChangeListener per node LISTENs on a connection of its
// own and hands each key to its handler.
//
// Notifications sent while the listener is not connected are lost to it: it
// says `following(false)` when its connection goes, and `following(true)`
// once LISTEN holds again, so that a cache can drop what it may have missed.
// Writers notify only while some listener is connected (vouch_followed()):
// before `following(true)` a listener also waits out every transaction that
// was open when it connected, since those may have looked before it came.
#pragma once

#include <libpq-fe.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace vouch::store::postgres {

#define VOUCH_CLAIMS_CHANNEL "vouch_claims"
// A changed claim's key (account \x1f region \x1f subject: CachingStore's),
// as a SQL expression over the claims row, notified on the channel while a
// listener is connected (vouch_followed(), schema.cc 8: once per statement).
#define VOUCH_NOTIFY_CLAIM                                                                     \
  "CASE WHEN (SELECT vouch_followed()) THEN pg_notify('" VOUCH_CLAIMS_CHANNEL "', account_id " \
  "|| chr(31) || region || chr(31) || subject) END"
// The listener's application_name, which vouch_followed() looks for.
#define VOUCH_LISTENER_NAME "vouch-listener"
// Every claim may have changed (all were deleted).
inline constexpr std::string_view kEveryClaim = "*";

class ChangeListener {
 public:
  struct Handler {
    std::function<void(std::string_view key)> changed;  // a key, or kEveryClaim
    std::function<void(bool)> following;
  };
  // Starts listening in the background; reconnects after `retry_ms` when the
  // connection fails or breaks.
  static std::unique_ptr<ChangeListener> start(std::string conninfo, Handler handler,
                                               int retry_ms = 1000);
  ~ChangeListener();  // stops listening (following(false) is not called)
  ChangeListener(const ChangeListener&) = delete;
  ChangeListener& operator=(const ChangeListener&) = delete;

  // Hands out the notifications that have reached this node's socket, now,
  // on the caller's thread: a read calls it before it trusts the cache, so
  // that it does not wait for the listener's thread to be scheduled. Returns
  // at once if another thread holds the connection.
  void drain();

  // Times LISTEN took hold: 1 after the first connect, +1 per reconnect.
  uint64_t connects() const { return connects_.load(); }

 private:
  ChangeListener(std::string conninfo, Handler handler, int retry_ms);
  void run();
  // Connected and listening, once every transaction open at the connect has
  // ended; false if the connection broke or stop().
  bool listen(PGconn* c);
  // Hands out notifications until the connection breaks or stop().
  void follow(PGconn* c);
  // Reads what arrived and hands it out; false if the connection broke. Under mu_.
  bool consume(PGconn* c);
  // Waits up to `ms` for the stop signal; true if it came.
  bool wait_for_stop(int ms);

  const std::string conninfo_;
  const Handler handler_;
  const int retry_ms_;
  int stop_fd_[2] = {-1, -1};  // a pipe: the destructor writes, the thread polls
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> connects_{0};
  std::mutex mu_;
  PGconn* conn_ = nullptr;  // GUARDED_BY(mu_); while following
  std::thread thread_;
};

}  // namespace vouch::store::postgres
