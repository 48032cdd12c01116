// Socket functions for c-ares that move UDP datagrams in batches. c-ares
// 1.18 makes one system call per datagram, and here (a paravirtualized
// guest) system calls are most of a lookup's cost. Queries are queued by
// c-ares's send and leave with one sendmmsg per socket when the event loop
// calls flush(); answers are read up to kBatch at a time with recvmmsg and
// handed to c-ares one by one. TCP sockets pass straight through.
//
// Source ports: c-ares 1.18 keeps one UDP socket per server for good, so an
// off-path attacker who learns its port need only guess query ids. Here each
// flush sends a socket's queries from a fresh kernel socket (a new random
// ephemeral port), at most `per_port` of them per port: the socket number
// c-ares knows stays, the kernel socket behind it is swapped (dup3), and the
// ports done sending linger, read like the current one, until their answers
// are in or `linger` has passed.
//
// Answers: a datagram is handed to c-ares only if it answers a query sent
// from the port it came to: same id, one question with the same QNAME (any
// case), QTYPE and QCLASS. Anything else is dropped, as if never received.
//
// Not thread-safe: every c-ares channel using it, and flush(), must run on
// one thread (the resolver's event loop).
#pragma once

#include <ares.h>
#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vouch::verify::dns {

class BatchedUdp {
 public:
  static constexpr size_t kBatch = 64;
  // c-ares's own UDP read buffer in 1.18 (MAXENDSSZ + 1): a longer datagram
  // is cut the same way it would be without us.
  static constexpr size_t kMaxDatagram = 4097;

  explicit BatchedUdp(size_t per_port = 1,
                      std::chrono::milliseconds linger = std::chrono::milliseconds(5000));
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
  // Lingering ports to poll for POLLIN, each with the socket c-ares knows it
  // by; tell mark_readable() about those that are, and have c-ares read that
  // socket.
  std::vector<std::pair<int, ares_socket_t>> lingering() const;
  void mark_readable(ares_socket_t fd, int port_fd);

  // The socket functions, for tests; user_data is the BatchedUdp.
  static ares_socket_t open(int domain, int type, int protocol, void* self);
  static int close(ares_socket_t fd, void* self);
  static int connect(ares_socket_t fd, const sockaddr* addr, ares_socklen_t len, void* self);
  static ares_ssize_t recvfrom(ares_socket_t fd, void* buf, size_t len, int flags, sockaddr* from,
                               ares_socklen_t* from_len, void* self);
  static ares_ssize_t sendv(ares_socket_t fd, const iovec* iov, int iovcnt, void* self);

 private:
  struct Port;
  struct Udp;
  Udp* udp(ares_socket_t fd);
  bool fresh_port(ares_socket_t fd, Udp& u);  // false: keep the current one
  void reap(Udp& u, std::chrono::steady_clock::time_point now);
  size_t per_port_;
  std::chrono::milliseconds linger_;
  template <typename Pred>
  std::vector<ares_socket_t> sockets_where(Pred pred) const;  // UDP sockets whose Udp matches
  std::unordered_map<ares_socket_t, std::unique_ptr<Udp>> sockets_;
};

}  // namespace vouch::verify::dns
