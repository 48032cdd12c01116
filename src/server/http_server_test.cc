// The listener over real loopback sockets: HEAD without a body, bodies refused
// by their route's limit before they are read, and the connection caps.
#include "server/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace vouch::server {
namespace {

struct Reply {
  int status = 0;                              // 0: none (closed or timed out)
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// A blocking client socket. Reads give up after 10 s so that a server that
// never answers fails the test instead of hanging it.
class Client {
 public:
  explicit Client(unsigned short port, const char* from = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    ::inet_pton(AF_INET, from, &src.sin_addr);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&src), sizeof src), 0);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&dst), sizeof dst), 0);
  }
  ~Client() { ::close(fd_); }

  void send(const std::string& data) {
    ASSERT_EQ(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(data.size()));
  }

  // One response; `head`: it answers a HEAD, so no body is read.
  Reply read(bool head = false) {
    Reply r;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return r;
    }
    std::string header = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    if (header.rfind("HTTP/1.1 ", 0) != 0) {
      r.status = -1;  // not a status line: the stream is out of step
      r.body = header;
      return r;
    }
    r.status = std::stoi(header.substr(9, 3));
    size_t pos = header.find("\r\n");
    while (pos != std::string::npos) {
      size_t next = header.find("\r\n", pos + 2);
      std::string line = header.substr(
          pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
      pos = next;
    }
    if (r.status == 100) return r;
    size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    if (head) return r;
    while (buf_.size() < length) {
      if (!fill()) return r;
    }
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return r;
  }

  // Whether the server closed the connection with nothing more sent.
  bool closed_cleanly() {
    if (!buf_.empty()) return false;
    char c;
    return ::recv(fd_, &c, 1, 0) == 0;
  }

  Reply get(const std::string& target) {
    send("GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n");
    return read();
  }

 private:
  bool fill() {
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_;
  std::string buf_;
};

http::HandlerResult handle(http::Request& req) {
  if (req.path() == "/hello" || req.path() == "/health") {
    return http::Response{200, "text/plain", {}, "hello world"};
  }
  if (req.path() == "/broken") {  // an internal error: its cause is for the log only
    http::Response r{500, "text/plain", {}, "internal error"};
    r.cause = "store: disk I/O error\nsecond line";
    return r;
  }
  if (req.path() == "/long") {  // a cause as long as a client could make one
    http::Response r{500, "text/plain", {}, "internal error"};
    r.cause = std::string(100000, 'x');
    return r;
  }
  if (req.path() == "/throws") {
    return http::Deferred([]() -> http::Response { throw std::runtime_error("out of tea"); });
  }
  if (req.path() == "/small" || req.path() == "/echo") {
    return http::Response{200, "text/plain", {}, "got " + req.body};
  }
  if (req.path() == "/target") {  // what the handler was given
    const std::string* h = req.header("X-Test");
    return http::Response{200,
                          "text/plain",
                          {{"X-Seen", h ? *h : "-"}},
                          req.method + " " + req.target + " " + req.request_id};
  }
  if (req.path() == "/deferred") {
    return http::Deferred([] { return http::Response{201, "application/json", {}, "{}"}; });
  }
  return http::Response{404, "text/plain", {}, "no such route"};
}

class HttpServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions o = {}) {
    o.port = 0;
    o.io_threads = 2;
    o.blocking_threads = 1;
    o.route_body_limit = [](std::string_view, std::string_view target) -> size_t {
      return target == "/small" ? 10 : 1000;
    };
    o.reserve_route = [](std::string_view, std::string_view target) { return target == "/health"; };
    server_ = std::make_unique<HttpServer>(o, handle);
    auto bound = server_->bind();
    ASSERT_TRUE(bound.ok()) << bound.error().message;
    thread_ = std::thread([this] { server_->run(false); });
  }
  void TearDown() override {
    if (!server_) return;
    server_->stop();
    thread_.join();
  }
  unsigned short port() const { return server_->port(); }

  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

// --- internal errors -----------------------------------------------------

TEST_F(HttpServerTest, InternalErrorIsLoggedOnceWithItsRequestIdAndNotSent) {
  start();
  Client c(port());
  ::testing::internal::CaptureStderr();
  Reply ok = c.get("/hello");
  Reply broken = c.get("/broken");
  Reply threw = c.get("/throws");
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(log.find(ok.headers["x-amzn-requestid"]), std::string::npos) << log;  // control
  EXPECT_EQ(broken.status, 500);
  EXPECT_EQ(broken.body, "internal error");
  EXPECT_EQ(threw.status, 500);
  EXPECT_EQ(threw.body.find("tea"), std::string::npos) << threw.body;
  EXPECT_NE(log.find("vouch: internal error, request " + broken.headers["x-amzn-requestid"] +
                     ": store: disk I/O error?second line\n"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("vouch: internal error, request " + threw.headers["x-amzn-requestid"] +
                     ": handler failed: out of tea\n"),
            std::string::npos)
      << log;
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 2) << log;
}

TEST_F(HttpServerTest, LoggedCauseIsBounded) {
  start();
  Client c(port());
  ::testing::internal::CaptureStderr();
  Reply r = c.get("/long");
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log.size();
  EXPECT_NE(log.find(std::string(1024, 'x') + "...\n"), std::string::npos);
  EXPECT_LT(log.size(), 1200u);
}

TEST_F(HttpServerTest, BindReportsWhyItCannotListen) {
  ServerOptions o;
  o.host = "not-an-address";
  HttpServer bad(o, handle);
  auto s = bad.bind();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, core::ErrorCode::kInvalidArgument);
  start();  // positive control, then the same port again
  ServerOptions same;
  same.port = port();
  HttpServer taken(same, handle);
  s = taken.bind();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, core::ErrorCode::kUnavailable);
  EXPECT_NE(s.error().message.find("cannot listen on 127.0.0.1:" + std::to_string(port())),
            std::string::npos)
      << s.error().message;
}

// --- HEAD ----------------------------------------------------------------

TEST_F(HttpServerTest, HeadHasNoBodyAndKeepAliveStaysInStep) {
  start();
  Client c(port());
  // Pipelined: a body after HEAD's header would be read as the next status line.
  c.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
         "HEAD /missing HTTP/1.1\r\nHost: t\r\n\r\nGET /missing HTTP/1.1\r\nHost: t\r\n\r\n");
  Reply head = c.read(true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.headers["content-length"], "11");  // what GET sends
  Reply get = c.read();
  EXPECT_EQ(get.status, 200) << get.body;
  EXPECT_EQ(get.body, "hello world");
  Reply head404 = c.read(true);
  EXPECT_EQ(head404.status, 404);
  Reply get404 = c.read();
  EXPECT_EQ(get404.status, 404) << get404.body;
  EXPECT_EQ(get404.body, "no such route");
}

TEST_F(HttpServerTest, HeadRefusedBeforeItsBodyHasNoBodyEither) {
  start();
  Client c(port());
  c.send("HEAD /small HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n");
  Reply r = c.read(true);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.headers["content-length"], "0");
  EXPECT_TRUE(c.closed_cleanly());  // nothing after the header
  Client g(port());
  g.send("GET /small HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n");
  Reply body = g.read();
  EXPECT_EQ(body.status, 413);
  EXPECT_EQ(body.body, "request body too large\n");  // positive control: GET gets the text
}

// --- bodies --------------------------------------------------------------

TEST_F(HttpServerTest, BodyOverTheRouteLimitIsRefusedBeforeItIsSent) {
  start();
  Client c(port());
  // Only the header: the server must answer without waiting for the body.
  c.send("POST /small HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n");
  Reply r = c.read();
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.headers["connection"], "close");
  // Within the limit: read and served (positive control).
  Client ok(port());
  ok.send("POST /small HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\n12345");
  Reply served = ok.read();
  EXPECT_EQ(served.status, 200);
  EXPECT_EQ(served.body, "got 12345");
  // Another route has its own limit.
  Client other(port());
  other.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n" +
             std::string(100, 'x'));
  EXPECT_EQ(other.read().status, 200);
}

TEST_F(HttpServerTest, ChunkedBodyStopsWhenItPassesTheLimit) {
  start();
  Client c(port());
  c.send("POST /small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
         "6\r\nabcdef\r\n6\r\nghijkl\r\n");  // 12 bytes > 10, no final chunk yet
  EXPECT_EQ(c.read().status, 413);
  Client ok(port());
  ok.send("POST /small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
          "6\r\nabcdef\r\n0\r\n\r\n");
  Reply served = ok.read();
  EXPECT_EQ(served.status, 200);
  EXPECT_EQ(served.body, "got abcdef");
}

TEST_F(HttpServerTest, ExpectContinueIsAnsweredOnlyForABodyWithinTheLimit) {
  start();
  Client c(port());
  c.send("POST /small HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(c.read().status, 100);
  c.send("12345");
  Reply r = c.read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "got 12345");
  Client big(port());
  big.send("POST /small HTTP/1.1\r\nHost: t\r\nContent-Length: 50\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(big.read().status, 413);
}

// --- connection caps -----------------------------------------------------

TEST_F(HttpServerTest, PerClientCapRefusesTheExtraConnectionOnly) {
  ServerOptions o;
  o.max_connections_per_client = 3;
  start(o);
  std::vector<std::unique_ptr<Client>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<Client>(port()));
    EXPECT_EQ(held.back()->get("/hello").status, 200) << i;  // admitted
  }
  Client extra(port());
  Reply refused = extra.read();
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.headers["content-length"], "0");
  EXPECT_TRUE(extra.closed_cleanly());
  // The others go on, and another client address is served.
  EXPECT_EQ(held[0]->get("/hello").status, 200);
  Client other(port(), "127.0.0.2");
  EXPECT_EQ(other.get("/health").status, 200);
  EXPECT_EQ(other.get("/hello").status, 200);
  // Closing one makes room again (once the server has seen it go).
  held.pop_back();
  bool admitted = false;
  for (int i = 0; i < 500 && !admitted; ++i) {
    Client again(port());
    admitted = again.get("/hello").status == 200;
    if (!admitted) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(admitted);
}

TEST_F(HttpServerTest, PastTheCapOnlyTheHealthCheckIsAnswered) {
  ServerOptions o;
  o.max_connections = 2;
  o.reserve_connections = 2;
  start(o);
  Client a(port()), b(port());
  EXPECT_EQ(a.get("/hello").status, 200);
  EXPECT_EQ(b.get("/hello").status, 200);
  Client health(port());
  Reply h = health.get("/health");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "hello world");
  EXPECT_EQ(h.headers["connection"], "close");  // one request per reserve slot
  EXPECT_TRUE(health.closed_cleanly());
  Client other(port());
  Reply busy = other.get("/hello");
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.headers["retry-after"], "1");
  // The connections already in keep working.
  EXPECT_EQ(a.get("/hello").status, 200);
  EXPECT_EQ(b.get("/hello").status, 200);
}

TEST_F(HttpServerTest, PastTheReserveConnectionsAreTurnedAway) {
  ServerOptions o;
  o.max_connections = 1;
  o.reserve_connections = 1;
  start(o);
  Client a(port());
  EXPECT_EQ(a.get("/hello").status, 200);
  Client reserve(port());  // takes the reserve slot, says nothing yet
  Client extra(port());
  Reply r = extra.read();
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers["content-length"], "0");
  EXPECT_EQ(reserve.get("/health").status, 200);  // the slot still serves its request
  EXPECT_EQ(a.get("/hello").status, 200);
}

TEST(ClientKey, IPv4AddressOrIPv6Slash64) {
  EXPECT_EQ(client_key("192.0.2.7"), "192.0.2.7");
  EXPECT_NE(client_key("192.0.2.7"), client_key("192.0.2.8"));
  EXPECT_EQ(client_key("::ffff:192.0.2.7"), "192.0.2.7");
  // One /64, whatever the interface id; the next /64 is another client.
  EXPECT_EQ(client_key("2001:db8:0:1::1"), client_key("2001:db8:0:1:ffff:ffff:ffff:ffff"));
  EXPECT_EQ(client_key("2001:db8:0:1::1"), "2001:db8:0:1::/64");
  EXPECT_NE(client_key("2001:db8:0:1::1"), client_key("2001:db8:0:2::1"));
}

TEST(ConnectionBudget, KeepsTheReservedDescriptors) {
  EXPECT_EQ(connection_budget(1024, 384, 16), 624u);
  EXPECT_EQ(connection_budget(400, 384, 16), 0u);
  EXPECT_EQ(connection_budget(100, 384, 16), 0u);
}

TEST(RaiseFdLimit, ReachesTheHardLimit) {
  rlimit before{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &before), 0);
  const size_t now = raise_fd_limit();
  rlimit after{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(now, static_cast<size_t>(after.rlim_cur));
  EXPECT_GE(after.rlim_cur, before.rlim_cur);
  if (before.rlim_max != RLIM_INFINITY) {
    EXPECT_EQ(after.rlim_cur, before.rlim_max);
  }
}

// --- requests and responses ----------------------------------------------

TEST_F(HttpServerTest, KeepAliveAnswersEachRequestInOrderWithItsOwnId) {
  start();
  Client c(port());
  std::vector<std::string> ids;
  for (const char* target : {"/target?a=1&b=%2F", "/target", "/hello"}) {
    c.send(std::string("GET ") + target + " HTTP/1.1\r\nHost: t\r\nX-Test: v\r\n\r\n");
    Reply r = c.read();
    ASSERT_EQ(r.status, 200) << target;
    EXPECT_EQ(r.headers["content-type"], "text/plain");
    EXPECT_EQ(r.headers["content-length"], std::to_string(r.body.size()));
    ASSERT_EQ(r.headers.count("x-amzn-requestid"), 1u);
    ids.push_back(r.headers["x-amzn-requestid"]);
    if (std::string(target) != "/hello") {
      // The raw target, query and all, and the request's id reach the handler.
      EXPECT_EQ(r.body, "GET " + std::string(target) + " " + ids.back());
      EXPECT_EQ(r.headers["x-seen"], "v");
    }
  }
  EXPECT_FALSE(ids[0].empty());
  EXPECT_NE(ids[0], ids[1]);
  EXPECT_NE(ids[1], ids[2]);
}

// One Request per connection is refilled for each request: nothing of the
// one before (a header, a body) is left in it.
TEST_F(HttpServerTest, KeepAliveRequestsDoNotInheritTheLastOnesHeadersOrBody) {
  start();
  Client c(port());
  c.send("GET /target HTTP/1.1\r\nHost: t\r\nX-Test: first\r\nX-Other: 1\r\n\r\n");
  Reply r = c.read();
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["x-seen"], "first");  // the positive control
  c.send("GET /target HTTP/1.1\r\nHost: t\r\n\r\n");
  r = c.read();
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["x-seen"], "-");
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(c.read().body, "got hello");
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(c.read().body, "got ");
}

TEST_F(HttpServerTest, DeferredWorkIsAnswered) {
  start();
  Client c(port());
  Reply r = c.get("/deferred");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(r.body, "{}");
  EXPECT_EQ(c.get("/hello").status, 200);  // and the connection goes on
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  start();
  Client c(port());
  c.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  Reply r = c.read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_TRUE(c.closed_cleanly());
}

TEST_F(HttpServerTest, HeaderOverTheLimitIs431AndCloses) {
  ServerOptions o;
  o.header_limit = 1024;
  start(o);
  Client ok(port());  // the control: a header within the limit
  ok.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Pad: " + std::string(800, 'p') + "\r\n\r\n");
  EXPECT_EQ(ok.read().status, 200);
  Client c(port());
  c.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Pad: " + std::string(2000, 'p') + "\r\n\r\n");
  Reply r = c.read();
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(r.body, "request header too large\n");
  EXPECT_TRUE(c.closed_cleanly());
}

TEST_F(HttpServerTest, GarbageIs400AndCloses) {
  start();
  Client c(port());
  c.send("NOT HTTP AT ALL\r\n\r\n");
  Reply r = c.read();
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "bad request\n");
  EXPECT_TRUE(c.closed_cleanly());
}

TEST_F(HttpServerTest, StopClosesIdleKeepAliveConnections) {
  start();
  Client c(port());
  EXPECT_EQ(c.get("/hello").status, 200);  // open and idle now
  server_->stop();
  thread_.join();  // run() returns although a client is still connected
  server_.reset();
  EXPECT_TRUE(c.closed_cleanly());
}

}  // namespace
}  // namespace vouch::server
