// Socket functions for c-ares that move UDP datagrams in batches. c-ares
// 1.18 makes one system call per datagram, and here (a paravirtualized
// guest) system calls are most of a lookup's cost. Queries are queued by
// c-ares's send and leave with one sendmmsg per socket when the event loop
// calls flush(); answers are read up to kBatch at a time with recvmmsg and
// handed to c-ares one by one. TCP sockets pass straight through.
//
// Not thread-safe: every c-ares channel using it, and flush(), must run on
// one thread (the resolver's event loop).
#pragma once

#include <ares.h>
#include <sys/socket.h>

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace vouch::verify::dns {

class BatchedUdp {
 public:
  static constexpr size_t kBatch = 64;
  // c-ares's own UDP read buffer in 1.18 (MAXENDSSZ + 1): a longer datagram
  // is cut the same way it would be without us.
  static constexpr size_t kMaxDatagram = 4097;

  BatchedUdp();
  ~BatchedUdp();
  BatchedUdp(const BatchedUdp&) = delete;
  BatchedUdp& operator=(const BatchedUdp&) = delete;

  // Installs these functions on a channel; `this` must outlive it.
  void install(ares_channel channel);
  // Sends every queued datagram. A socket the kernel will not take more from
  // keeps the rest for the next flush (see backlogged()). A send error is
  // kept and reported by the socket's next read or send, as c-ares would
  // have seen it from its own send.
  void flush();
  // UDP sockets with datagrams still queued after a flush: poll them for
  // POLLOUT and flush again.
  std::vector<ares_socket_t> backlogged() const;
  // UDP sockets holding an error from a flush: c-ares learns of it only by
  // reading them, so the loop hands them to ares_process_fd as readable.
  std::vector<ares_socket_t> failed() const;

  // The socket functions, for tests; user_data is the BatchedUdp.
  static ares_socket_t open(int domain, int type, int protocol, void* self);
  static int close(ares_socket_t fd, void* self);
  static int connect(ares_socket_t fd, const sockaddr* addr, ares_socklen_t len, void* self);
  static ares_ssize_t recvfrom(ares_socket_t fd, void* buf, size_t len, int flags, sockaddr* from,
                               ares_socklen_t* from_len, void* self);
  static ares_ssize_t sendv(ares_socket_t fd, const iovec* iov, int iovcnt, void* self);

 private:
  struct Udp;
  Udp* udp(ares_socket_t fd);
  template <typename Pred>
  std::vector<ares_socket_t> sockets_where(Pred pred) const;  // UDP sockets whose Udp matches
  std::unordered_map<ares_socket_t, std::unique_ptr<Udp>> sockets_;
};

}  // namespace vouch::verify::dns
