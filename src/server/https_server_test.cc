// The listener with TLS over real loopback sockets: requests over HTTPS,
// plain HTTP told to use https, a stalled handshake closed at its deadline,
// and SIGHUP reloading the pair for new connections while open ones keep
// theirs.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "server/http_server.h"
#include "server/tls_test_util.h"

namespace vouch::server {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;

// A blocking HTTPS client; it trusts anything (verification is the
// integration tests' part) and reports the certificate it was shown.
class TlsClient {
 public:
  explicit TlsClient(unsigned short port) : ctx_(ssl::context::tls_client), stream_(ioc_, ctx_) {
    ctx_.set_verify_mode(ssl::verify_none);
    stream_.lowest_layer().connect({net::ip::make_address("127.0.0.1"), port});
    stream_.handshake(ssl::stream_base::client);
  }

  // "200 hello world"
  std::string get(const std::string& target) {
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
    req.set(bhttp::field::host, "t");
    bhttp::write(stream_, req);
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream_, buffer_, res);
    return std::to_string(res.result_int()) + " " + res.body();
  }

  long serial() {
    X509* cert = SSL_get1_peer_certificate(stream_.native_handle());
    if (!cert) return -1;
    long serial = ASN1_INTEGER_get(X509_get0_serialNumber(cert));
    X509_free(cert);
    return serial;
  }

 private:
  net::io_context ioc_;
  ssl::context ctx_;
  ssl::stream<net::ip::tcp::socket> stream_;
  boost::beast::flat_buffer buffer_;
};

// A plain TCP client: what it sends, and all it receives until the close.
std::string plain_exchange(unsigned short port, const std::string& send) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{10, 0};  // a server that never closes fails the test, not hangs it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst), 0);
  if (!send.empty()) ::send(fd, send.data(), send.size(), MSG_NOSIGNAL);
  std::string got;
  char chunk[4096];
  ssize_t n;
  while ((n = ::recv(fd, chunk, sizeof chunk, 0)) > 0) got.append(chunk, static_cast<size_t>(n));
  if (n < 0) got += "<timed out>";
  ::close(fd);
  return got;
}

http::HandlerResult hello(http::Request&) {
  return http::Response{200, "text/plain", {}, "hello world"};
}

class HttpsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::make_test_dir("vouch-https-");
    install(test::make_pair("vouch.test", 1));
  }
  void TearDown() override {
    if (server_) {
      server_->stop();
      runner_.join();
    }
    fs::remove_all(dir_);
  }

  void install(const test::TestPair& p) {
    std::ofstream(dir_ / "cert.pem", std::ios::trunc) << p.cert;
    std::ofstream(dir_ / "key.pem", std::ios::trunc) << p.key;
  }

  void start(bool handle_signals = false,
             std::chrono::seconds handshake = std::chrono::seconds{10}) {
    auto tls = TlsContexts::load((dir_ / "cert.pem").string(), (dir_ / "key.pem").string());
    ASSERT_TRUE(tls.ok()) << tls.error().message;
    tls_ = *tls;
    ServerOptions o;
    o.port = 0;
    o.io_threads = 2;
    o.blocking_threads = 1;
    o.tls = tls_;
    o.handshake_timeout = handshake;
    server_ = std::make_unique<HttpServer>(o, &hello);
    ASSERT_TRUE(server_->bind().ok());
    runner_ = std::thread([this, handle_signals] { server_->run(handle_signals); });
  }

  fs::path dir_;
  std::shared_ptr<TlsContexts> tls_;
  std::unique_ptr<HttpServer> server_;
  std::thread runner_;
};

TEST_F(HttpsServerTest, ServesRequestsOverTls) {
  start();
  TlsClient client(server_->port());
  EXPECT_EQ(client.get("/hello"), "200 hello world");
  EXPECT_EQ(client.get("/hello"), "200 hello world");  // keep-alive
  EXPECT_EQ(client.serial(), 1);
}

TEST_F(HttpsServerTest, PlainHttpIsToldToUseHttpsAndTheServerServesOn) {
  start();
  const std::string reply = plain_exchange(server_->port(),
                                           "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("\r\n\r\nthis port speaks HTTPS: use https://\n"), std::string::npos);
  // A broken ClientHello: the handshake fails (an alert at most), no HTTP.
  const std::string broken = plain_exchange(
      server_->port(),
      std::string("\x16\x03\x01\x00\x40\x01\x00\x00\x3c", 9) + std::string(64, '\xff'));
  EXPECT_NE(broken.rfind("HTTP/", 0), 0u) << broken;
  EXPECT_EQ(broken.find("<timed out>"), std::string::npos);
  EXPECT_EQ(TlsClient(server_->port()).get("/hello"), "200 hello world");
}

TEST_F(HttpsServerTest, AStalledHandshakeIsClosedAtItsDeadline) {
  start(false, std::chrono::seconds{1});
  // Nothing sent: closed by the deadline (the client's own gives up at 10 s).
  EXPECT_EQ(plain_exchange(server_->port(), ""), "");
  // The session's slot is given back on the server's thread just after the
  // close the client saw: wait for that (bounded), not for time to pass.
  for (int i = 0; i < 500 && server_->open_connections() != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server_->open_connections(), 0u);
  EXPECT_EQ(TlsClient(server_->port()).get("/hello"), "200 hello world");
}

TEST_F(HttpsServerTest, SighupReloadsThePairForNewConnectionsOnly) {
  start(true);
  TlsClient before(server_->port());  // also: run() has its signals by now
  ASSERT_EQ(before.get("/hello"), "200 hello world");
  install(test::make_pair("vouch.test", 2));
  ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);
  long seen = 0;
  for (int i = 0; i < 1000 && seen != 2; ++i) {  // the reload runs on the server's thread
    seen = TlsClient(server_->port()).serial();
    if (seen != 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(seen, 2);
  EXPECT_EQ(before.get("/hello"), "200 hello world");
  EXPECT_EQ(before.serial(), 1);

  std::ofstream(dir_ / "cert.pem", std::ios::trunc) << "broken\n";
  ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);
  // A reload that fails keeps the pair; SIGTERM (after it, in order) still stops.
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  runner_.join();
  server_.reset();
  const std::string in_use = describe_certificate(*tls_->current());
  EXPECT_NE(in_use.find(", serial 02"), std::string::npos) << in_use;
}

}  // namespace
}  // namespace vouch::server
