#include "server/http_server.h"

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string_view>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>

#include "core/log.h"
#include "server/cpus.h"

namespace vouch::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;
constexpr auto kTuple = net::as_tuple(net::use_awaitable);

namespace {

// Writes a new request id into `id`, reusing its buffer.
void new_request_id(std::string& id) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t a = rng(), b = rng();
  id.assign(36, '-');
  int bit = 0;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    uint64_t& src = bit < 64 ? a : b;
    id[i] = kHex[(src >> (bit % 64)) & 15];
    bit += 4;
  }
  id[14] = '4';  // shaped like a version-4 UUID, as AWS request ids are
}

std::string new_request_id() {
  std::string id;
  new_request_id(id);
  return id;
}

// Fills `req` (one per connection) from the parsed request, assigning into
// the strings it already holds: no allocation per header once warm.
void fill_request(bhttp::request<bhttp::string_body>&& r, http::Request& req) {
  req.method.assign(r.method_string());
  req.target.assign(r.target());
  size_t n = 0;
  for (const auto& f : r) {
    if (n == req.headers.size()) req.headers.emplace_back();
    req.headers[n].name.assign(f.name_string());
    req.headers[n].value.assign(f.value());
    ++n;
  }
  req.headers.resize(n);
  req.body = std::move(r.body());
  new_request_id(req.request_id);
}

// `head`: the answer to a HEAD request, which never has a body (RFC 9110
// 9.3.2): its Content-Length is the one GET would send, and nothing follows
// the header, so a keep-alive client reads the next response where it starts.
bhttp::response<bhttp::string_body> to_beast(http::Response&& resp, const std::string& request_id,
                                             unsigned version, bool keep_alive, bool head) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(resp.status), version};
  res.set("x-amzn-RequestId", request_id);
  if (!resp.content_type.empty()) res.set(bhttp::field::content_type, resp.content_type);
  for (auto& h : resp.headers) res.insert(h.name, h.value);
  res.body() = std::move(resp.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  if (head) {
    const size_t n = res.body().size();
    res.body().clear();
    res.content_length(n);
  }
  return res;
}

http::Response plain_error(int status, std::string text) {
  return http::Response{status, "text/plain", {}, std::move(text) + "\n"};
}

// A 500 whose cause goes to the log (by respond()), not to the client.
http::Response internal_error(std::string cause) {
  http::Response r = plain_error(500, "internal error");
  r.cause = std::move(cause);
  return r;
}

// For connections refused at accept: no request read, so no body (which
// a HEAD would forbid), and the connection closes.
constexpr std::string_view kBusy =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n"
    "Retry-After: 1\r\n\r\n";

// An IPv6 /64 is one host's usual share, which it can fill with addresses.
std::string client_key_of(const net::ip::address& a) {
  if (a.is_v4()) return a.to_string();
  auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, v6).to_string();
  auto bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return net::ip::address_v6(bytes).to_string() + "/64";
}

// Whether the request whose start is in `buffer` (header not parsed, e.g. too
// large) is a HEAD.
bool starts_head(const beast::flat_buffer& buffer) {
  auto data = buffer.data();
  std::string_view text(static_cast<const char*>(data.data()), data.size());
  return text.starts_with("HEAD ");
}

}  // namespace

std::string client_key(const std::string& address) {
  beast::error_code ec;
  auto a = net::ip::make_address(address, ec);
  return ec ? address : client_key_of(a);
}

// Resumes an Async request's coroutine once: with the first response given,
// or with a 500 when every copy of its completion is dropped uncalled.
template <typename Handler>
class AsyncCompletion {
 public:
  explicit AsyncCompletion(Handler h) : handler_(std::move(h)) {}
  ~AsyncCompletion() { complete(internal_error("the handler dropped its completion uncalled")); }
  void complete(http::Response r) {
    if (done_.exchange(true)) return;
    // Posted, never run here: `start` may complete inside the initiation
    // (quick_start on the I/O thread), which must not resume the caller.
    auto ex = net::get_associated_executor(handler_);
    net::post(
        ex, [h = std::move(handler_), r = std::move(r)]() mutable { std::move(h)(std::move(r)); });
  }

 private:
  Handler handler_;
  std::atomic<bool> done_{false};
};

// What stop() needs to reach a live session: its strand, and its stream while
// it is idle. Only touched on the session's strand.
struct SessionCtl {
  beast::tcp_stream* stream = nullptr;
  bool busy = false;
};

struct HttpServer::Impl {
  ServerOptions opt;
  http::Handler handler;
  net::io_context ioc;
  net::thread_pool pool;
  tcp::acceptor acceptor{ioc};
  net::signal_set signals{ioc};
  std::atomic<bool> stopping{false};
  std::mutex clients_mu;
  size_t connections = 0;  // GUARDED_BY(clients_mu)
  size_t reserved = 0;     // GUARDED_BY(clients_mu); reserve slots in use
  // Open connections per client_key(); an entry goes at 0, so at most
  // max_connections + reserve_connections entries.
  std::unordered_map<std::string, size_t> per_client;  // GUARDED_BY(clients_mu)
  // Touched by the accept loop only.
  size_t refused_over_client = 0, refused_full = 0;
  std::optional<std::chrono::steady_clock::time_point> last_report;
  std::mutex mu;
  uint64_t next_id = 0;  // GUARDED_BY(mu)
  std::unordered_map<uint64_t, std::pair<net::any_io_executor, std::shared_ptr<SessionCtl>>>
      sessions;  // GUARDED_BY(mu)

  Impl(ServerOptions o, http::Handler h)
      : opt(std::move(o)),
        handler(std::move(h)),
        pool(static_cast<size_t>(std::max(1, opt.blocking_threads))) {}

  // The handler's response; an internal error's cause is logged here, once.
  net::awaitable<http::Response> respond(http::Request& req) {
    http::Response resp = co_await answer(req);
    if (!resp.cause.empty()) http::log_internal_error(req.request_id, resp.cause);
    co_return resp;
  }

  net::awaitable<http::Response> answer(http::Request& req) {
    http::HandlerResult out;
    try {
      out = handler(req);
    } catch (const std::exception& e) {
      co_return internal_error(std::string("handler failed: ") + e.what());
    }
    if (auto* r = std::get_if<http::Response>(&out)) co_return std::move(*r);
    if (auto* a = std::get_if<http::Async>(&out)) {
      http::Response resp = co_await run_async(std::move(a->start), a->quick_start);
      co_return resp;
    }
    http::Deferred work = std::move(std::get<http::Deferred>(out));
    http::Response resp = co_await run_blocking(std::move(work));
    co_return resp;
  }

  // Starts `start` on the blocking pool (here, if `quick`) and resumes the
  // caller when its completion is called (from any thread), not when `start`
  // returns.
  net::awaitable<http::Response> run_async(std::function<void(http::Done)> start, bool quick) {
    co_return co_await net::async_initiate<decltype(net::use_awaitable), void(http::Response)>(
        [this, quick](auto handler, std::function<void(http::Done)> s) {
          auto state = std::make_shared<AsyncCompletion<decltype(handler)>>(std::move(handler));
          auto begin = [state, s = std::move(s)]() mutable {
            http::Done done = [state](http::Response r) { state->complete(std::move(r)); };
            try {
              s(std::move(done));
            } catch (const std::exception& e) {
              state->complete(internal_error(std::string("handler failed: ") + e.what()));
            }
          };
          if (quick) {
            begin();
          } else {
            net::post(pool, std::move(begin));
          }
        },
        net::use_awaitable, std::move(start));
  }

  // Runs `work` on the blocking pool and resumes the caller with its result.
  // (A plain handler, not a capturing coroutine lambda: GCC 12 destroys the
  // captures of those twice when spawned inside a co_await expression.)
  net::awaitable<http::Response> run_blocking(http::Deferred work) {
    co_return co_await net::async_initiate<decltype(net::use_awaitable), void(http::Response)>(
        [this](auto handler, http::Deferred w) {
          net::post(pool, [handler = std::move(handler), w = std::move(w)]() mutable {
            http::Response r;
            try {
              r = w();
            } catch (const std::exception& e) {
              r = internal_error(std::string("handler failed: ") + e.what());
            }
            auto ex = net::get_associated_executor(handler);
            net::dispatch(ex, [handler = std::move(handler), r = std::move(r)]() mutable {
              std::move(handler)(std::move(r));
            });
          });
        },
        net::use_awaitable, std::move(work));
  }

  // kOverClient and kFull: turned away.
  enum class Slot { kServed, kReserve, kOverClient, kFull };

  Slot admit(const std::string& client) {
    std::lock_guard lock(clients_mu);
    auto [it, fresh] = per_client.try_emplace(client, 0);
    Slot slot = Slot::kFull;
    if (opt.max_connections_per_client && it->second >= opt.max_connections_per_client) {
      slot = Slot::kOverClient;
    } else if (connections < opt.max_connections) {
      ++connections;
      slot = Slot::kServed;
    } else if (reserved < opt.reserve_connections) {
      ++reserved;
      slot = Slot::kReserve;
    }
    if (slot == Slot::kServed || slot == Slot::kReserve) {
      ++it->second;
    } else if (it->second == 0) {
      per_client.erase(it);
    }
    return slot;
  }

  // Says on stderr that connections are being turned away: at the first, then
  // at most once a minute, so that a flood cannot flood the log too.
  void report_refusal(Slot why) {
    ++(why == Slot::kOverClient ? refused_over_client : refused_full);
    const auto now = std::chrono::steady_clock::now();
    if (last_report && now - *last_report < std::chrono::minutes(1)) return;
    last_report = now;
    core::log(core::LogLevel::kWarn, "connections_refused",
              "turned away " + std::to_string(refused_over_client) +
                  " connection(s) from a client at its cap (--max-connections-per-client " +
                  std::to_string(opt.max_connections_per_client) + ") and " +
                  std::to_string(refused_full) +
                  " with every connection in use (--max-connections " +
                  std::to_string(opt.max_connections) + ")",
              {{"over_client", refused_over_client}, {"full", refused_full}});
    refused_over_client = refused_full = 0;
  }

  void release(const std::string& client, Slot slot) {
    std::lock_guard lock(clients_mu);
    --(slot == Slot::kReserve ? reserved : connections);
    if (auto it = per_client.find(client); it != per_client.end() && --it->second == 0) {
      per_client.erase(it);
    }
  }

  // What a request's route may carry, at most body_limit.
  size_t body_limit_for(const bhttp::request<bhttp::string_body>& h) const {
    if (!opt.route_body_limit) return opt.body_limit;
    return std::min(opt.body_limit, opt.route_body_limit(h.method_string(), h.target()));
  }

  // `reserve`: a connection past max_connections, which gets one answer:
  // the reserve route's, or 503.
  net::awaitable<void> session(tcp::socket socket, bool reserve) {
    beast::tcp_stream stream(std::move(socket));
    auto ctl = std::make_shared<SessionCtl>();
    ctl->stream = &stream;
    uint64_t id;
    {
      std::lock_guard lock(mu);
      id = next_id++;
      sessions.emplace(id, std::make_pair(net::any_io_executor(stream.get_executor()), ctl));
    }
    beast::flat_buffer buffer;
    if (!opt.tls) {
      co_await serve(stream, buffer, reserve, *ctl);
    } else if (auto ctx = opt.tls->current(); co_await starts_tls(stream, buffer, reserve)) {
      beast::ssl_stream<beast::tcp_stream&> tls(stream, *ctx);
      auto [ec, used] = co_await tls.async_handshake(net::ssl::stream_base::server, buffer.data(),
                                                     kTuple);
      if (!ec) {
        buffer.consume(used);
        co_await serve(tls, buffer, reserve, *ctl);
        // close_notify, unless stopping: a client that never answers it
        // would hold the stop up.
        stream.expires_after(opt.handshake_timeout);
        if (!stopping) co_await tls.async_shutdown(kTuple);
      }
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    ctl->stream = nullptr;
    std::lock_guard lock(mu);
    sessions.erase(id);
  }

  // Whether the client opens a TLS handshake; one that sends plain HTTP is
  // told to use https, in plain HTTP.
  net::awaitable<bool> starts_tls(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                  bool reserve) {
    stream.expires_after(reserve ? opt.reserve_timeout : opt.handshake_timeout);
    auto [ec, is_tls] = co_await beast::async_detect_ssl(stream, buffer, kTuple);
    if (ec || is_tls) co_return !ec && is_tls;
    auto res = to_beast(plain_error(400, "this port speaks HTTPS: use https://"), new_request_id(),
                        11, false, starts_head(buffer));
    co_await bhttp::async_write(stream, res, kTuple);
    co_return false;
  }

  // Requests on `stream` (a tcp_stream, or TLS over one) until the
  // connection ends.
  template <typename Stream>
  net::awaitable<void> serve(Stream& stream, beast::flat_buffer& buffer, bool reserve,
                             SessionCtl& ctl) {
    beast::tcp_stream& socket = beast::get_lowest_layer(stream);
    http::Request req;  // refilled for each request on this connection
    for (;;) {
      ctl.busy = false;
      if (stopping) break;
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(opt.header_limit));
      parser.body_limit(opt.body_limit);
      socket.expires_after(reserve ? opt.reserve_timeout : opt.idle_timeout);
      auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
      ctl.busy = true;
      int refuse = 0;  // answered without reading the body
      if (!ec) {
        const auto& h = parser.get();
        const size_t limit = body_limit_for(h);
        if (reserve && !(opt.reserve_route && opt.reserve_route(h.method_string(), h.target()))) {
          refuse = 503;
        } else if (parser.content_length() && *parser.content_length() > limit) {
          refuse = 413;
        } else {
          parser.body_limit(limit);  // a chunked body stops when it passes it
          if (!reserve) socket.expires_after(opt.request_timeout);
          if (parser.content_length().value_or(parser.chunked() ? 1 : 0) > 0 &&
              bhttp::token_list(h[bhttp::field::expect]).exists("100-continue")) {
            bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, h.version()};
            std::tie(ec, n) = co_await bhttp::async_write(stream, cont, kTuple);
          }
          if (!ec) std::tie(ec, n) = co_await bhttp::async_read(stream, buffer, parser, kTuple);
        }
      }
      if (ec || refuse) {
        int status = refuse                             ? refuse
                     : ec == bhttp::error::body_limit   ? 413
                     : ec == bhttp::error::header_limit ? 431
                     : (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
                        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
                        ec == net::error::eof || ec == net::ssl::error::stream_truncated)
                         ? 0
                         : 400;
        if (status) {
          const bool head = parser.is_header_done() ? parser.get().method() == bhttp::verb::head
                                                    : starts_head(buffer);
          auto res = to_beast(plain_error(status, status == 413   ? "request body too large"
                                                  : status == 431 ? "request header too large"
                                                  : status == 503 ? "too many connections"
                                                                  : "bad request"),
                              new_request_id(), 11, false, head);
          if (status == 503) res.set(bhttp::field::retry_after, "1");
          socket.expires_after(opt.request_timeout);
          co_await bhttp::async_write(stream, res, kTuple);
        }
        break;
      }
      auto raw = parser.release();
      const bool keep_alive = raw.keep_alive() && !reserve;
      const unsigned version = raw.version();
      const bool head = raw.method() == bhttp::verb::head;
      fill_request(std::move(raw), req);
      http::Response resp = co_await respond(req);
      auto res = to_beast(std::move(resp), req.request_id, version, keep_alive && !stopping, head);
      socket.expires_after(opt.request_timeout);
      auto [wec, wn] = co_await bhttp::async_write(stream, res, kTuple);
      if (wec || !res.keep_alive()) break;
    }
  }

  // SIGHUP reloads the TLS pair and waits again; any other signal stops.
  void wait_signal(std::function<void()> stop) {
    signals.async_wait([this, stop](beast::error_code ec, int signal) {
      if (ec) return;
      if (signal != SIGHUP) return stop();
      reload_tls();
      wait_signal(stop);
    });
  }

  void reload_tls() {
    if (auto s = opt.tls->reload(); !s.ok()) {
      core::log(core::LogLevel::kError, "tls_reload_failed",
                "SIGHUP: kept the TLS certificate in use: " + s.error().message);
      return;
    }
    core::log(core::LogLevel::kInfo, "tls_reloaded",
              "SIGHUP: new connections get " + describe_certificate(*opt.tls->current()));
  }

  // Refused at accept: a 503 if the socket takes it at once, then closed.
  template <typename Socket>
  static void turn_away(Socket& socket) {
    beast::error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(net::buffer(kBusy.data(), kBusy.size()), ignored);
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
  }

  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(net::make_strand(ioc), kTuple);
      if (stopping) co_return;
      if (ec) {
        if (ec == net::error::operation_aborted) co_return;
        // Out of descriptors or similar: back off briefly instead of spinning.
        net::steady_timer t(ioc, std::chrono::milliseconds(20));
        co_await t.async_wait(kTuple);
        continue;
      }
      beast::error_code rec;
      auto remote = socket.remote_endpoint(rec);
      if (rec) continue;  // already gone; the socket closes here
      std::string client = client_key_of(remote.address());
      const Slot slot = admit(client);
      if (slot == Slot::kOverClient || slot == Slot::kFull) {
        report_refusal(slot);
        turn_away(socket);
        continue;
      }
      auto ex = socket.get_executor();
      net::co_spawn(
          ex, session(std::move(socket), slot == Slot::kReserve),
          [this, client = std::move(client), slot](std::exception_ptr) { release(client, slot); });
    }
  }
};

HttpServer::HttpServer(ServerOptions options, http::Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { impl_->pool.join(); }

core::Status HttpServer::bind() {
  beast::error_code ec;
  auto addr = net::ip::make_address(impl_->opt.host, ec);
  if (ec) return core::invalid_argument("invalid listen address '" + impl_->opt.host + "'");
  tcp::endpoint ep(addr, impl_->opt.port);
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return core::Error{core::ErrorCode::kUnavailable,
                       "cannot listen on " + impl_->opt.host + ":" +
                           std::to_string(impl_->opt.port) + ": " + ec.message(),
                       {},
                       {}};
  }
  return {};
}

unsigned short HttpServer::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

size_t HttpServer::open_connections() const {
  std::lock_guard lock(impl_->clients_mu);
  return impl_->connections + impl_->reserved;
}

void HttpServer::run(bool handle_signals) {
  auto& ioc = impl_->ioc;
  auto& signals = impl_->signals;
  if (handle_signals) {
    signals.add(SIGINT);
    signals.add(SIGTERM);
    if (impl_->opt.tls) signals.add(SIGHUP);
    impl_->wait_signal([this] { stop(); });
  }
  net::co_spawn(ioc, impl_->accept_loop(), net::detached);
  const int n = impl_->opt.io_threads > 0 ? impl_->opt.io_threads : usable_cpus();
  std::vector<std::thread> threads;
  for (int i = 1; i < n; ++i) {
    threads.emplace_back([&ioc] {
      pthread_setname_np(pthread_self(), "vouch-io");  // named for top -H
      ioc.run();
    });
  }
  ioc.run();
  for (auto& t : threads) t.join();
}

void HttpServer::stop() {
  Impl& s = *impl_;
  net::post(s.ioc, [&s] {
    if (s.stopping.exchange(true)) return;
    beast::error_code ignored;
    s.acceptor.close(ignored);
    s.signals.cancel(ignored);
    std::lock_guard lock(s.mu);
    for (auto& [id, entry] : s.sessions) {
      // Idle sessions are closed now; busy ones finish their request first.
      net::post(entry.first, [ctl = entry.second] {
        if (ctl->stream && !ctl->busy) ctl->stream->socket().cancel();
      });
    }
  });
}

}  // namespace vouch::server
