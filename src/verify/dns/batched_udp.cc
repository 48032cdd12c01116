#include "verify/dns/batched_udp.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "verify/dns/dns_question.h"

namespace vouch::verify::dns {

namespace {

uint16_t id_of(const unsigned char* m) { return static_cast<uint16_t>(m[0] << 8 | m[1]); }

}  // namespace

// A kernel UDP socket (so a source port) and the queries sent from it.
struct BatchedUdp::Port {
  int fd = -1;  // for the current port: the socket c-ares knows
  std::vector<std::pair<uint16_t, std::string>> asked;  // id, question_of
  std::chrono::steady_clock::time_point until{};        // lingering: closed after
  bool readable = false;                                // lingering: poll said so

  // Whether `m` answers a query asked here; the query is then answered.
  bool answers(const unsigned char* m, size_t len) {
    if (len < 12) return false;
    const uint16_t id = id_of(m);
    auto it = std::find_if(asked.begin(), asked.end(),
                           [id](const auto& a) { return a.first == id; });
    if (it == asked.end() || it->second != question_of(m, len)) return false;
    asked.erase(it);
    return true;
  }
};

// One UDP socket's queues.
struct BatchedUdp::Udp {
  // Outgoing datagrams, back to back in `out`, `out_len` bytes each.
  std::string out;
  std::vector<size_t> out_len;
  // Received by the last fill, those that answer a query: `ready` slots,
  // `got` of them, `next` is handed out next.
  std::unique_ptr<char[]> in{new char[kBatch * kMaxDatagram]};  // not zeroed: only read as filled
  mmsghdr msgs[kBatch] = {};
  iovec iovs[kBatch] = {};
  sockaddr_storage from[kBatch] = {};
  size_t ready[kBatch] = {};
  size_t got = 0;
  size_t next = 0;
  // The last fill left the ports empty: report "would block" once without
  // asking the kernel again.
  bool drained = false;
  int error = 0;  // from a flush, for c-ares's next read or send
  // Where c-ares connected the socket, for the ports that replace it.
  sockaddr_storage peer{};
  socklen_t peer_len = 0;
  Port current;
  size_t sent_here = 0;         // datagrams sent from the current port
  std::vector<Port> lingering;  // ports done sending, still taking answers

  Udp() {
    for (size_t i = 0; i < kBatch; ++i) {
      iovs[i] = {in.get() + i * kMaxDatagram, kMaxDatagram};
    }
  }
  ~Udp() {
    for (auto& p : lingering) ::close(p.fd);
  }

  int take_error() {
    int e = error;
    error = 0;
    return e;
  }

  // Reads from `port` into the free slots; keeps what answers its queries.
  // Returns recvmmsg's result.
  int read_port(Port& port, size_t& used) {
    for (size_t i = used; i < kBatch; ++i) {
      msgs[i].msg_hdr = {};
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof from[i];
    }
    int n = ::recvmmsg(port.fd, msgs + used, static_cast<unsigned>(kBatch - used), MSG_DONTWAIT,
                       nullptr);
    for (int k = 0; k < n; ++k, ++used) {
      const size_t len = std::min<size_t>(msgs[used].msg_len, kMaxDatagram);
      if (port.answers(reinterpret_cast<const unsigned char*>(iovs[used].iov_base), len)) {
        ready[got++] = used;
      }
    }
    return n;
  }
};

BatchedUdp::BatchedUdp(size_t per_port, std::chrono::milliseconds linger)
    : per_port_(std::max<size_t>(1, per_port)), linger_(linger) {}
BatchedUdp::~BatchedUdp() = default;

void BatchedUdp::install(ares_channel channel) {
  static const ares_socket_functions kFunctions = {&BatchedUdp::open, &BatchedUdp::close,
                                                   &BatchedUdp::connect, &BatchedUdp::recvfrom,
                                                   &BatchedUdp::sendv};
  ares_set_socket_functions(channel, &kFunctions, this);
}

BatchedUdp::Udp* BatchedUdp::udp(ares_socket_t fd) {
  auto it = sockets_.find(fd);
  return it == sockets_.end() ? nullptr : it->second.get();
}

ares_socket_t BatchedUdp::open(int domain, int type, int protocol, void* self) {
  ares_socket_t fd = ::socket(domain, type, protocol);
  if (fd >= 0 && (type & 0xf) == SOCK_DGRAM) {
    auto u = std::make_unique<Udp>();
    u->current.fd = fd;
    static_cast<BatchedUdp*>(self)->sockets_[fd] = std::move(u);
  }
  return fd;
}

int BatchedUdp::close(ares_socket_t fd, void* self) {
  static_cast<BatchedUdp*>(self)->sockets_.erase(fd);
  return ::close(fd);
}

int BatchedUdp::connect(ares_socket_t fd, const sockaddr* addr, ares_socklen_t len, void* self) {
  if (Udp* u = static_cast<BatchedUdp*>(self)->udp(fd); u && len <= sizeof u->peer) {
    std::memcpy(&u->peer, addr, len);
    u->peer_len = len;
  }
  return ::connect(fd, addr, len);
}

ares_ssize_t BatchedUdp::recvfrom(ares_socket_t fd, void* buf, size_t len, int flags,
                                  sockaddr* from, ares_socklen_t* from_len, void* self) {
  Udp* u = static_cast<BatchedUdp*>(self)->udp(fd);
  if (!u) return ::recvfrom(fd, buf, len, flags, from, from_len);
  if (u->error) {
    errno = u->take_error();
    return -1;
  }
  if (u->next == u->got) {
    if (u->drained) {
      u->drained = false;
      errno = EAGAIN;
      return -1;
    }
    u->got = 0;
    u->next = 0;
    size_t used = 0;
    // Lingering ports first (poll said which have answers), then the current.
    for (auto& p : u->lingering) {
      if (!p.readable || used == kBatch) continue;
      p.readable = false;
      (void)u->read_port(p, used);  // an error (a late ICMP) only ends its reads
    }
    int n = used < kBatch ? u->read_port(u->current, used) : 0;
    if (u->got == 0) {
      // Nothing for c-ares: the current port's error, or "would block" (a
      // full batch of strays leaves the socket readable for the next poll).
      if (n < 0) return -1;  // errno as recvmmsg left it
      errno = EAGAIN;
      return -1;
    }
    u->drained = used < kBatch;
  }
  const size_t i = u->ready[u->next++];
  const size_t n = std::min<size_t>({u->msgs[i].msg_len, kMaxDatagram, len});
  std::memcpy(buf, u->iovs[i].iov_base, n);
  if (from && from_len) {
    const socklen_t have = u->msgs[i].msg_hdr.msg_namelen;
    std::memcpy(from, &u->from[i], std::min<size_t>(have, *from_len));
    *from_len = have;
  }
  return static_cast<ares_ssize_t>(n);
}

ares_ssize_t BatchedUdp::sendv(ares_socket_t fd, const iovec* iov, int iovcnt, void* self) {
  Udp* u = static_cast<BatchedUdp*>(self)->udp(fd);
  if (!u) return ::writev(fd, iov, iovcnt);
  if (u->error) {
    errno = u->take_error();
    return -1;
  }
  size_t total = 0;
  for (int i = 0; i < iovcnt; ++i) {
    u->out.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
    total += iov[i].iov_len;
  }
  u->out_len.push_back(total);
  return static_cast<ares_ssize_t>(total);
}

bool BatchedUdp::fresh_port(ares_socket_t fd, Udp& u) {
  if (u.peer_len == 0) return false;
  int port = ::socket(u.peer.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (port < 0) return false;
  int rcvbuf = 0;
  socklen_t optlen = sizeof rcvbuf;
  // The kernel reports twice what c-ares asked for.
  if (::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &optlen) == 0 && rcvbuf > 0) {
    rcvbuf /= 2;
    (void)::setsockopt(port, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  }
  int old = -1;
  if (::connect(port, reinterpret_cast<const sockaddr*>(&u.peer), u.peer_len) != 0 ||
      (!u.current.asked.empty() && (old = ::fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0) ||
      ::dup3(port, fd, O_CLOEXEC) < 0) {
    if (old >= 0) ::close(old);
    ::close(port);
    return false;
  }
  ::close(port);
  // The old port stays open (as `old`) only while answers are owed to it.
  if (old >= 0) {
    Port done{old, std::move(u.current.asked), std::chrono::steady_clock::now() + linger_, false};
    u.lingering.push_back(std::move(done));
  }
  u.current.asked.clear();
  u.sent_here = 0;
  return true;
}

void BatchedUdp::reap(Udp& u, std::chrono::steady_clock::time_point now) {
  std::erase_if(u.lingering, [now](Port& p) {
    if (!p.asked.empty() && now < p.until) return false;
    ::close(p.fd);
    return true;
  });
}

void BatchedUdp::flush() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<mmsghdr> msgs;
  std::vector<iovec> iovs;
  for (auto& entry : sockets_) {
    // Not a structured binding: clang 15 cannot capture one (sent_here below).
    const ares_socket_t fd = entry.first;
    std::unique_ptr<Udp>& u = entry.second;
    reap(*u, now);
    if (u->out_len.empty()) continue;
    const size_t count = u->out_len.size();
    msgs.assign(count, mmsghdr{});
    iovs.resize(count);
    size_t at = 0;
    for (size_t i = 0; i < count; ++i) {
      iovs[i] = {u->out.data() + at, u->out_len[i]};
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      at += u->out_len[i];
    }
    size_t sent = 0;
    size_t sent_bytes = 0;
    // What went out from the current port: its answers are awaited there.
    auto sent_here = [&](size_t i) {
      const auto* m = reinterpret_cast<const unsigned char*>(iovs[i].iov_base);
      if (u->out_len[i] >= 12)
        u->current.asked.emplace_back(id_of(m), question_of(m, u->out_len[i]));
      sent_bytes += u->out_len[i];
      ++u->sent_here;
    };
    while (sent < count) {
      // A port sends one flush's datagrams, at most per_port_ of them.
      if (u->sent_here > 0 && u->sent_here >= per_port_) fresh_port(fd, *u);
      const size_t room = u->sent_here < per_port_ ? per_port_ - u->sent_here : per_port_;
      const size_t batch = std::min(count - sent, room);
      int n = ::sendmmsg(fd, msgs.data() + sent, static_cast<unsigned>(batch), MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
          // c-ares would have seen this on its send; it sees it on its next
          // read instead. The failed datagram is dropped, the rest are sent
          // on later flushes (c-ares moves the failed query on by itself).
          u->error = errno;
          sent_bytes += u->out_len[sent];
          ++sent;
        }
        break;
      }
      for (int i = 0; i < n; ++i) sent_here(sent + static_cast<size_t>(i));
      sent += static_cast<size_t>(n);
      if (static_cast<size_t>(n) < batch) break;  // the kernel took no more
    }
    u->out.erase(0, sent_bytes);
    u->out_len.erase(u->out_len.begin(), u->out_len.begin() + static_cast<std::ptrdiff_t>(sent));
    // The next flush starts on a fresh port.
    if (u->sent_here > 0) u->sent_here = per_port_;
  }
}

template <typename Pred>
std::vector<ares_socket_t> BatchedUdp::sockets_where(Pred pred) const {
  std::vector<ares_socket_t> out;
  for (const auto& [fd, u] : sockets_) {
    if (pred(*u)) out.push_back(fd);
  }
  return out;
}

std::vector<ares_socket_t> BatchedUdp::backlogged() const {
  return sockets_where([](const Udp& u) { return !u.out_len.empty(); });
}

std::vector<ares_socket_t> BatchedUdp::failed() const {
  return sockets_where([](const Udp& u) { return u.error != 0; });
}

std::vector<std::pair<int, ares_socket_t>> BatchedUdp::lingering() const {
  std::vector<std::pair<int, ares_socket_t>> out;
  for (const auto& [fd, u] : sockets_) {
    for (const auto& p : u->lingering) out.emplace_back(p.fd, fd);
  }
  return out;
}

void BatchedUdp::mark_readable(ares_socket_t fd, int port_fd) {
  Udp* u = udp(fd);
  if (!u) return;
  for (auto& p : u->lingering) {
    if (p.fd == port_fd) {
      p.readable = true;
      u->drained = false;
      return;
    }
  }
}

}  // namespace vouch::verify::dns
