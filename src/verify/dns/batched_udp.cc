#include "verify/dns/batched_udp.h"

#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace vouch::verify::dns {

// One UDP socket's queues.
struct BatchedUdp::Udp {
  // Outgoing datagrams, back to back in `out`, `out_len` bytes each.
  std::string out;
  std::vector<size_t> out_len;
  // Received by the last recvmmsg: `got` of them, `next` is handed out next.
  std::unique_ptr<char[]> in{new char[kBatch * kMaxDatagram]};  // not zeroed: only read as filled
  mmsghdr msgs[kBatch] = {};
  iovec iovs[kBatch] = {};
  sockaddr_storage from[kBatch] = {};
  size_t got = 0;
  size_t next = 0;
  // The last recvmmsg left the socket empty: report "would block" once
  // without asking the kernel again.
  bool drained = false;
  int error = 0;  // from a flush, for c-ares's next read or send

  Udp() {
    for (size_t i = 0; i < kBatch; ++i) {
      iovs[i] = {in.get() + i * kMaxDatagram, kMaxDatagram};
    }
  }

  int take_error() {
    int e = error;
    error = 0;
    return e;
  }
};

BatchedUdp::BatchedUdp() = default;
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
    static_cast<BatchedUdp*>(self)->sockets_[fd] = std::make_unique<Udp>();
  }
  return fd;
}

int BatchedUdp::close(ares_socket_t fd, void* self) {
  static_cast<BatchedUdp*>(self)->sockets_.erase(fd);
  return ::close(fd);
}

int BatchedUdp::connect(ares_socket_t fd, const sockaddr* addr, ares_socklen_t len, void*) {
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
    for (size_t i = 0; i < kBatch; ++i) {
      u->msgs[i].msg_hdr = {};
      u->msgs[i].msg_hdr.msg_iov = &u->iovs[i];
      u->msgs[i].msg_hdr.msg_iovlen = 1;
      u->msgs[i].msg_hdr.msg_name = &u->from[i];
      u->msgs[i].msg_hdr.msg_namelen = sizeof u->from[i];
    }
    int n = ::recvmmsg(fd, u->msgs, kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) return n;  // errno as recvmmsg left it
    u->got = static_cast<size_t>(n);
    u->next = 0;
    u->drained = u->got < kBatch;
  }
  const size_t i = u->next++;
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

void BatchedUdp::flush() {
  std::vector<mmsghdr> msgs;
  std::vector<iovec> iovs;
  for (auto& [fd, u] : sockets_) {
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
    while (sent < count) {
      int n = ::sendmmsg(fd, msgs.data() + sent, static_cast<unsigned>(count - sent), MSG_DONTWAIT);
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
      for (int i = 0; i < n; ++i) sent_bytes += u->out_len[sent + static_cast<size_t>(i)];
      sent += static_cast<size_t>(n);
    }
    u->out.erase(0, sent_bytes);
    u->out_len.erase(u->out_len.begin(), u->out_len.begin() + static_cast<std::ptrdiff_t>(sent));
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

}  // namespace vouch::verify::dns
