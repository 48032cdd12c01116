// http::Async through the real server: with a blocking pool of one thread, a
// request waiting on an Async completion leaves the pool free, so a Deferred
// (a durable write) answers meanwhile; the waiting request answers when its
// completion is called, from another thread; a completion dropped uncalled
// answers 500.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "server/http_server.h"

namespace vouch::server {
namespace {

// A blocking HTTP/1.1 exchange on its own connection.
class Client {
 public:
  explicit Client(unsigned short port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    timeval tv{20, 0};  // a safety net only: a hung test fails instead of hanging
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Client() { ::close(fd_); }
  void send(const std::string& method, const std::string& path) {
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
    ASSERT_EQ(::write(fd_, req.data(), req.size()), static_cast<ssize_t>(req.size()));
  }
  // The status and body of the response (which must carry Content-Length).
  std::pair<int, std::string> receive() {
    std::string in;
    char buf[4096];
    for (;;) {
      size_t head = in.find("\r\n\r\n");
      if (head != std::string::npos) {
        size_t cl = in.find("Content-Length: ");
        size_t len = cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
        if (in.size() >= head + 4 + len)
          return {std::stoi(in.substr(9, 3)), in.substr(head + 4, len)};
      }
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) return {0, ""};
      in.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
};

class AsyncServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.port = 0;
    o.io_threads = 1;
    o.blocking_threads = 1;
    server_ = std::make_unique<HttpServer>(o, [this](http::Request& r) { return handle(r); });
    auto bound = server_->bind();
    ASSERT_TRUE(bound.ok()) << bound.error().message;
    thread_ = std::thread([this] { server_->run(false); });
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
  }

  http::HandlerResult handle(http::Request& r) {
    if (r.path() == "/slow") {
      return http::Async{[this](http::Done done) {  // keeps `done` for later, returns
        std::lock_guard lock(mu_);
        waiting_ = std::move(done);
        cv_.notify_all();
      }};
    }
    if (r.path() == "/drop") return http::Async{[](http::Done) {}};
    if (r.path() == "/queued") {  // a quick start: on the I/O thread, keeps `done`
      return http::Async{[this](http::Done done) {
                           std::lock_guard lock(mu_);
                           queued_ = std::move(done);
                           cv_.notify_all();
                         },
                         true};
    }
    if (r.path() == "/block") {  // holds the pool's one thread until released
      return http::Deferred([this] {
        std::unique_lock lock(mu_);
        blocking_ = true;
        cv_.notify_all();
        cv_.wait(lock, [this] { return released_; });
        return http::Response{200, "text/plain", {}, "released"};
      });
    }
    if (r.path() == "/at-once") {  // a quick start that completes inside `start`
      return http::Async{[](http::Done done) {
                           done(http::Response{200, "text/plain", {}, "now"});
                         },
                         true};
    }
    if (r.path() == "/write") {
      return http::Deferred([] { return http::Response{200, "text/plain", {}, "written"}; });
    }
    return http::Response{404, "text/plain", {}, "no"};
  }

  http::Done wait_for_slow() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(20), [this] { return static_cast<bool>(waiting_); });
    return std::move(waiting_);
  }

  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  http::Done waiting_;
  http::Done queued_;      // GUARDED_BY(mu_)
  bool blocking_ = false;  // GUARDED_BY(mu_)
  bool released_ = false;  // GUARDED_BY(mu_)
};

TEST_F(AsyncServerTest, AWaitingAsyncLeavesTheOnePoolThreadFree) {
  Client slow(server_->port());
  slow.send("GET", "/slow");
  http::Done done = wait_for_slow();
  ASSERT_TRUE(done);
  // The pool's one thread is free: a durable write answers meanwhile.
  Client write(server_->port());
  write.send("POST", "/write");
  EXPECT_EQ(write.receive(), std::make_pair(200, std::string("written")));
  // The slow request answers when its completion is called, from elsewhere.
  std::thread([done] { done(http::Response{200, "text/plain", {}, "diagnosed"}); }).join();
  EXPECT_EQ(slow.receive(), std::make_pair(200, std::string("diagnosed")));
}

TEST_F(AsyncServerTest, ACompletionDroppedUncalledAnswers500) {
  Client c(server_->port());
  c.send("GET", "/drop");
  EXPECT_EQ(c.receive().first, 500);
  c.send("POST", "/write");  // the connection goes on
  EXPECT_EQ(c.receive(), std::make_pair(200, std::string("written")));
}

TEST_F(AsyncServerTest, AQuickStartRunsWhileThePoolIsBusy) {
  Client block(server_->port());
  block.send("GET", "/block");
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::seconds(20), [this] { return blocking_; });
  ASSERT_TRUE(blocking_);
  lock.unlock();
  // The pool's one thread is held: an ordinary Async cannot start, a quick one does.
  Client slow(server_->port());
  slow.send("GET", "/slow");
  Client queued(server_->port());
  queued.send("GET", "/queued");
  lock.lock();
  cv_.wait_for(lock, std::chrono::seconds(20), [this] { return static_cast<bool>(queued_); });
  ASSERT_TRUE(queued_);
  EXPECT_FALSE(waiting_);  // /slow waits for the pool
  http::Done done = std::move(queued_);
  released_ = true;
  cv_.notify_all();
  lock.unlock();
  EXPECT_EQ(block.receive(), std::make_pair(200, std::string("released")));
  http::Done slow_done = wait_for_slow();  // the pool free again: /slow starts
  ASSERT_TRUE(slow_done);
  std::thread([done] { done(http::Response{200, "text/plain", {}, "read"}); }).join();
  EXPECT_EQ(queued.receive(), std::make_pair(200, std::string("read")));
  slow_done(http::Response{200, "text/plain", {}, "diagnosed"});
  EXPECT_EQ(slow.receive(), std::make_pair(200, std::string("diagnosed")));
}

TEST_F(AsyncServerTest, AQuickStartMayCompleteInsideStart) {
  Client c(server_->port());
  c.send("GET", "/at-once");
  EXPECT_EQ(c.receive(), std::make_pair(200, std::string("now")));
  c.send("GET", "/at-once");  // the connection goes on
  EXPECT_EQ(c.receive(), std::make_pair(200, std::string("now")));
}

}  // namespace
}  // namespace vouch::server
