// The ceiling for bench/run.sh: the least an HTTP/1.1 server on Boost.Beast
// can do per request. It mirrors src/server/http_server.cc (one io_context run
// by one thread per core, a strand per connection, C++20 coroutines,
// async_read_header then async_read with a request_parser carrying the same
// header/body limits, the same idle and per-request deadlines, keep-alive) and
// answers every request with one fixed 300-byte body. Whatever vouch spends
// beyond this is vouch's own work: SigV4, form parsing, the store, XML.
//
//   ceiling_server [--listen HOST:PORT] [--threads N]
//
// Prints "listening on HOST:PORT" once bound (PORT 0 picks a free port).
#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr auto kTuple = net::as_tuple(net::use_awaitable);

// The same limits and deadlines as vouch::server::ServerOptions' defaults.
constexpr std::uint32_t kHeaderLimit = 16 * 1024;
constexpr std::uint64_t kBodyLimit = 1024 * 1024;
constexpr std::chrono::seconds kIdleTimeout{60};
constexpr std::chrono::seconds kRequestTimeout{30};

// 300 bytes, shaped like a small awsQuery XML response.
const std::string& fixed_body() {
  static const std::string body = [] {
    const std::string head =
        "<GetIdentityVerificationAttributesResponse xmlns=\"http://ses.amazonaws.com/doc/"
        "2010-12-01/\"><GetIdentityVerificationAttributesResult/><ResponseMetadata><RequestId>";
    const std::string tail =
        "</RequestId></ResponseMetadata></GetIdentityVerificationAttributesResponse>\n";
    return head + std::string(300 - head.size() - tail.size(), '0') + tail;
  }();
  return body;
}

net::awaitable<void> session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(kBodyLimit);
    stream.expires_after(kIdleTimeout);
    auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
    if (!ec) {
      stream.expires_after(kRequestTimeout);
      std::tie(ec, n) = co_await bhttp::async_read(stream, buffer, parser, kTuple);
    }
    if (ec) break;
    auto req = parser.release();
    bhttp::response<bhttp::string_body> res{bhttp::status::ok, req.version()};
    res.set(bhttp::field::content_type, "text/xml");
    res.body() = fixed_body();
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    stream.expires_after(kRequestTimeout);
    auto [wec, wn] = co_await bhttp::async_write(stream, res, kTuple);
    if (wec || !res.keep_alive()) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

net::awaitable<void> accept_loop(net::io_context& ioc, tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(net::make_strand(ioc), kTuple);
    if (ec) {
      if (ec == net::error::operation_aborted) co_return;
      net::steady_timer t(ioc, std::chrono::milliseconds(20));
      co_await t.async_wait(kTuple);
      continue;
    }
    auto ex = socket.get_executor();
    net::co_spawn(ex, session(std::move(socket)), net::detached);
  }
}

int usage() {
  std::fprintf(stderr, "usage: ceiling_server [--listen HOST:PORT] [--threads N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  int threads = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    std::string v = argv[++i];
    if (a == "--listen") {
      auto colon = v.rfind(':');
      if (colon == std::string::npos) return usage();
      host = v.substr(0, colon);
      port = static_cast<unsigned short>(std::atoi(v.c_str() + colon + 1));
    } else if (a == "--threads") {
      threads = std::atoi(v.c_str());
      if (threads < 1) return usage();
    } else {
      return usage();
    }
  }
  if (fixed_body().size() != 300) {
    std::fprintf(stderr, "ceiling_server: body is %zu bytes\n", fixed_body().size());
    return 1;
  }

  net::io_context ioc;
  tcp::acceptor acceptor(ioc);
  beast::error_code ec;
  tcp::endpoint ep(net::ip::make_address(host, ec), port);
  if (!ec) acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "ceiling_server: cannot listen on %s:%u: %s\n", host.c_str(), port,
                 ec.message().c_str());
    return 1;
  }
  std::printf("listening on %s:%u\n", host.c_str(), acceptor.local_endpoint().port());
  std::fflush(stdout);

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
  net::co_spawn(ioc, accept_loop(ioc, acceptor), net::detached);
  int n = threads > 0 ? threads
                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (int i = 1; i < n; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  return 0;
}
