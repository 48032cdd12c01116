#include "verify/dns/cares_resolver.h"

#include <pthread.h>

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

#include "verify/dns/batched_udp.h"
#include "verify/dns/answer_reply.h"
#include "verify/dns/soa_cache.h"
#include "verify/dns/soa_reply.h"
#include "core/log.h"

namespace vouch::verify::dns {

using core::DnsAnswer;

namespace {

// One lookup across every perspective.
struct Pending {
  std::string name;
  core::RecordType type = core::RecordType::kTxt;
  std::vector<DnsAnswer> answers;
  size_t remaining = 0;
  std::function<void(std::vector<DnsAnswer>)> done;
};

struct QueryArg {
  std::shared_ptr<Pending> lookup;
  size_t index;
  const std::vector<ares_channel>* channels;  // for the SOA query after a positive answer
  SoaCache* soa_cache;
};

// The first perspective with records when none learnt the SOA: where one
// SOA query (at most) goes after a positive answer.
std::optional<size_t> soa_wanted(const std::vector<DnsAnswer>& answers) {
  std::optional<size_t> first;
  for (size_t i = 0; i < answers.size(); ++i) {
    if (answers[i].soa) return std::nullopt;
    if (!first && answers[i].kind == DnsAnswer::Kind::kRecords) first = i;
  }
  return first;
}

std::string server_text(const ares_addr_port_node& n) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(n.family, &n.addr, buf, sizeof buf);
  int port = n.udp_port ? n.udp_port : 53;
  return n.family == AF_INET6 ? "[" + std::string(buf) + "]:" + std::to_string(port)
                              : std::string(buf) + ":" + std::to_string(port);
}

}  // namespace

struct CaresResolver::Impl {
  ResolverOptions options;
  std::vector<std::string> servers;
  // One per server. Loop thread only, like the rest.
  std::vector<ares_channel> channels;
  std::unique_ptr<BatchedUdp> udp;      // every channel's sockets
  std::unique_ptr<SoaCache> soa_cache;  // loop thread only
  int wake_fd = -1;
  std::mutex mu;
  std::deque<std::shared_ptr<Pending>> queue;  // GUARDED_BY(mu)
  std::atomic<bool> stopping{false};
  std::thread loop_thread;

  ~Impl() {
    stopping = true;
    wake();
    if (loop_thread.joinable()) loop_thread.join();
    // Runs pending callbacks with ARES_EDESTRUCTION.
    for (auto ch : channels) ares_destroy(ch);
    if (wake_fd >= 0) ::close(wake_fd);
  }

  void wake() {
    uint64_t one = 1;
    if (wake_fd >= 0) (void)!::write(wake_fd, &one, sizeof one);
  }

  // A channel asking `server` alone.
  core::Result<ares_channel> open_channel(const std::string& server) {
    ares_options opts{};
    // STAYOPEN: without it c-ares closes its sockets whenever no query is
    // outstanding, and a sweep paused for a moment paid a new socket each time.
    opts.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES |
                 ARES_FLAG_STAYOPEN;
    opts.timeout = static_cast<int>(options.timeout.count());
    opts.tries = options.tries;
    // Thousands of answers can arrive at once; the default buffer drops
    // datagrams, and each drop costs a full timeout.
    opts.socket_receive_buffer_size = 4 << 20;
    ares_channel ch = nullptr;
    int rc = ares_init_options(
        &ch, &opts, ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_RCVBUF);
    if (rc != ARES_SUCCESS)
      return core::internal_error(std::string("c-ares: ") + ares_strerror(rc));
    udp->install(ch);
    if (ares_set_servers_ports_csv(ch, server.c_str()) != ARES_SUCCESS) {
      ares_destroy(ch);
      return core::invalid_argument("invalid DNS resolver '" + server + "' (expected HOST:PORT)");
    }
    return ch;
  }

  static void on_answer(void* arg, int status, int, unsigned char* abuf, int alen) {
    std::unique_ptr<QueryArg> q(static_cast<QueryArg*>(arg));
    Pending& p = *q->lookup;
    DnsAnswer& answer = p.answers[q->index];
    fill_answer(answer, p.type, status, abuf, alen);
    // A negative answer's zone, as its authority section names it, is cached.
    if (answer.soa) {
      if (auto r = parse_soa_record(abuf, alen)) q->soa_cache->put(q->index, p.name, *r);
    }
    if (--p.remaining != 0) return;
    // One SOA query at most, to one perspective, only when no answer named
    // the zone (a positive one does not) and the cache does not know it;
    // never while c-ares shuts down.
    if (auto i = soa_wanted(p.answers); i && status != ARES_EDESTRUCTION) {
      std::string zone_of = soa_query_name(p.name);
      if (auto soa = q->soa_cache->find(*i, zone_of)) {
        p.answers[*i].soa = std::move(*soa);
        return finish(p);
      }
      q->index = *i;
      ares_channel ch = (*q->channels)[*i];
      ares_query(ch, zone_of.c_str(), ns_c_in, ns_t_soa, &Impl::on_soa, q.release());
      return;
    }
    finish(p);
  }

  static void on_soa(void* arg, int status, int, unsigned char* abuf, int alen) {
    std::unique_ptr<QueryArg> q(static_cast<QueryArg*>(arg));
    Pending& p = *q->lookup;
    auto r = parse_soa_record(abuf, alen);
    if (r) {
      if (status != ARES_EDESTRUCTION) q->soa_cache->put(q->index, soa_query_name(p.name), *r);
      p.answers[q->index].soa = std::move(r->soa);
    }
    finish(p);
  }

  static void finish(Pending& p) {
    if (!p.done) return;
    auto done = std::move(p.done);
    done(std::move(p.answers));
  }

  void start(const std::shared_ptr<Pending>& p) {
    p->answers.resize(channels.size());
    p->remaining = channels.size();
    const int type = p->type == core::RecordType::kCname ? ns_t_cname
                     : p->type == core::RecordType::kMx  ? ns_t_mx
                                                         : ns_t_txt;
    for (size_t i = 0; i < channels.size(); ++i) {
      p->answers[i].resolver = servers[i];
      ares_query(channels[i], p->name.c_str(), ns_c_in, type, &Impl::on_answer,
                 new QueryArg{p, i, &channels, soa_cache.get()});
    }
  }

  // Lookups made from the loop thread itself (an answer's callback starting
  // the next check) need no wake: the loop takes the queue before it polls.
  static inline thread_local bool on_loop_thread = false;

  void loop() {
    pthread_setname_np(pthread_self(), "vouch-dns");
    on_loop_thread = true;
    std::vector<pollfd> fds;
    auto socket_entry = [&fds](ares_socket_t fd) {  // fds[0] is the wake fd
      return std::find_if(fds.begin() + 1, fds.end(), [fd](const pollfd& p) { return p.fd == fd; });
    };
    while (!stopping) {
      std::deque<std::shared_ptr<Pending>> fresh;
      {
        std::lock_guard lock(mu);
        fresh.swap(queue);
      }
      for (auto& p : fresh) start(p);
      udp->flush();  // this turn's queries, one sendmmsg per socket and port
      const auto& all = channels;

      fds.clear();
      fds.push_back({wake_fd, POLLIN, 0});
      timeval tv{0, 200000};
      for (auto ch : all) {
        ares_socket_t socks[ARES_GETSOCK_MAXNUM];
        int bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
        for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
          short events = 0;
          if (ARES_GETSOCK_READABLE(bits, i)) events |= POLLIN;
          if (ARES_GETSOCK_WRITABLE(bits, i)) events |= POLLOUT;
          if (events) fds.push_back({socks[i], events, 0});
        }
        timeval max = tv;
        ares_timeout(ch, &max, &tv);
      }
      for (ares_socket_t fd : udp->backlogged()) {
        auto it = socket_entry(fd);
        if (it == fds.end()) fds.push_back({fd, POLLOUT, 0});
        else it->events |= POLLOUT;
      }
      // Ports done sending still take answers: polled after c-ares's own.
      const size_t own = fds.size();
      const auto lingering = udp->lingering();
      for (const auto& [port, fd] : lingering) fds.push_back({port, POLLIN, 0});
      int timeout_ms = static_cast<int>(tv.tv_sec * 1000 + tv.tv_usec / 1000);
      ::poll(fds.data(), fds.size(), std::max(1, timeout_ms));
      // An answer on a lingering port is read through the socket c-ares knows.
      // (Entries pushed below, past the lingering ones, are not visited.)
      const size_t polled = fds.size();
      for (size_t i = own; i < polled; ++i) {
        if (!fds[i].revents) continue;
        const ares_socket_t fd = lingering[i - own].second;
        udp->mark_readable(fd, fds[i].fd);
        auto it = std::find_if(fds.begin() + 1, fds.begin() + static_cast<std::ptrdiff_t>(own),
                               [fd](const pollfd& p) { return p.fd == fd; });
        if (it != fds.begin() + static_cast<std::ptrdiff_t>(own)) it->revents |= POLLIN;
        else fds.push_back({fd, POLLIN, POLLIN});
      }
      fds.erase(fds.begin() + static_cast<std::ptrdiff_t>(own),
                fds.begin() + static_cast<std::ptrdiff_t>(own + lingering.size()));
      // A send error kept by the last flush reaches c-ares when it reads.
      for (ares_socket_t fd : udp->failed()) {
        auto it = socket_entry(fd);
        if (it != fds.end()) it->revents |= POLLIN;
      }
      if (fds[0].revents & POLLIN) {
        uint64_t n;
        (void)!::read(wake_fd, &n, sizeof n);
      }
      for (auto ch : all) {
        // Sockets of other channels are unknown to this one and ignored;
        // ARES_SOCKET_BAD pairs still let it process its timeouts.
        bool any = false;
        for (size_t i = 1; i < fds.size(); ++i) {
          if (!fds[i].revents) continue;
          any = true;
          ares_process_fd(
              ch, (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) ? fds[i].fd : ARES_SOCKET_BAD,
              (fds[i].revents & POLLOUT) ? fds[i].fd : ARES_SOCKET_BAD);
        }
        if (!any) ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      }
    }
  }
};

CaresResolver::CaresResolver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CaresResolver::~CaresResolver() = default;

core::Result<std::unique_ptr<CaresResolver>> CaresResolver::create(const ResolverOptions& options) {
  static const int init = ares_library_init(ARES_LIB_INIT_ALL);
  if (init != ARES_SUCCESS)
    return core::internal_error(std::string("c-ares: ") + ares_strerror(init));
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  // A port's answers are awaited as long as c-ares may wait for them (each
  // retry of one server doubles its timeout).
  const int tries = std::clamp(options.tries, 1, 8);
  impl->udp = std::make_unique<BatchedUdp>(options.queries_per_port,
                                           options.timeout * ((1 << tries) - 1));
  std::vector<std::string> servers = options.servers;
  if (servers.empty()) {  // the system's resolvers, one perspective each
    ares_channel probe = nullptr;
    if (ares_init(&probe) != ARES_SUCCESS) {
      return core::internal_error("c-ares: cannot read the system resolver configuration");
    }
    ares_addr_port_node* nodes = nullptr;
    if (ares_get_servers_ports(probe, &nodes) == ARES_SUCCESS) {
      for (auto* n = nodes; n; n = n->next) servers.push_back(server_text(*n));
    }
    ares_free_data(nodes);
    ares_destroy(probe);
    if (servers.empty()) {
      // Serve anyway: checks will report resolver errors (never failing a
      // claim) until a resolver is configured.
      core::log(core::LogLevel::kWarn, "no_resolvers",
                "WARNING: no system DNS resolvers found; using 127.0.0.1:53 "
                "(set --dns-resolver HOST:PORT)");
      servers.push_back("127.0.0.1:53");
    }
  }
  for (const auto& s : servers) {
    auto ch = impl->open_channel(s);
    if (!ch.ok()) return ch.error();
    impl->channels.push_back(*ch);  // owned by impl from here on
    impl->servers.push_back(s);
  }
  SoaCache::Now clock = options.soa_cache_clock;
  if (!clock) clock = [] { return std::chrono::steady_clock::now().time_since_epoch(); };
  impl->soa_cache = std::make_unique<SoaCache>(impl->channels.size(), options.soa_cache_max_age,
                                               options.soa_cache_entries, std::move(clock));
  impl->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  Impl* raw = impl.get();
  impl->loop_thread = std::thread([raw] { raw->loop(); });
  return std::unique_ptr<CaresResolver>(new CaresResolver(std::move(impl)));
}

void CaresResolver::lookup(const std::string& name, core::RecordType type,
                           std::function<void(std::vector<DnsAnswer>)> done) {
  auto p = std::make_shared<Pending>();
  p->name = name;
  p->type = type;
  p->done = std::move(done);
  bool was_empty;
  {
    std::lock_guard lock(impl_->mu);
    was_empty = impl_->queue.empty();
    impl_->queue.push_back(std::move(p));
  }
  // The loop empties the whole queue on each wake: a queue that already held
  // lookups has a wake pending, and one write per lookup would be a syscall each.
  if (was_empty && !Impl::on_loop_thread) impl_->wake();
}

size_t CaresResolver::perspectives() const { return impl_->channels.size(); }
std::vector<std::string> CaresResolver::servers() const { return impl_->servers; }

}  // namespace vouch::verify::dns
