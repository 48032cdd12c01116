// BatchedUdp on real loopback sockets: queued datagrams leave only on flush,
// in order and intact; reads come in batches yet one datagram at a time,
// with the sender's address; "would block" when empty, and new datagrams are
// still seen after it; a send error reaches the next read; TCP passes
// through untouched; each flush sends from fresh ports, per_port datagrams
// at most, whose answers are still read; only answers to a query asked from
// that port (id and question) reach c-ares.
#include "verify/dns/batched_udp.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <string>
#include <vector>

namespace vouch::verify::dns {
namespace {

sockaddr_in loopback() {  // any free port
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

sockaddr_in bound_address(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return a;
}

// A DNS query for TXT (16) IN (1) at `name`, with id `id`.
std::string query(uint16_t id, const std::string& name, uint16_t type = 16, uint16_t cls = 1) {
  std::string m;
  m += static_cast<char>(id >> 8);
  m += static_cast<char>(id & 0xff);
  m += std::string("\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 10);
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = std::min(name.find('.', start), name.size());
    m += static_cast<char>(dot - start);
    m += name.substr(start, dot - start);
    start = dot + 1;
  }
  m += '\0';
  m += static_cast<char>(type >> 8);
  m += static_cast<char>(type & 0xff);
  m += static_cast<char>(cls >> 8);
  m += static_cast<char>(cls & 0xff);
  return m;
}

// The answer to `q`: its bytes with QR set (nothing else is looked at).
std::string answer(std::string q) {
  q[2] = static_cast<char>(q[2] | 0x80);
  return q;
}

// A plain UDP socket bound to a loopback port.
struct Peer {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  Peer() {
    sockaddr_in a = loopback();
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    addr = bound_address(fd);
  }
  ~Peer() { ::close(fd); }
  // The next datagram, or "" when none is waiting; `from`: who sent it.
  std::string take(sockaddr_in* from = nullptr) {
    char buf[2048];
    sockaddr_in f{};
    socklen_t len = sizeof f;
    ssize_t n = ::recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&f),
                           &len);
    if (from) *from = f;
    return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
  }
  void send_to(const sockaddr_in& to, const std::string& d) {
    ::sendto(fd, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  }
};

class BatchedUdpTest : public ::testing::Test {
 protected:
  // A UDP socket opened through the functions, connected to `to`.
  ares_socket_t open_udp(const sockaddr_in& to) {
    ares_socket_t fd = BatchedUdp::open(AF_INET, SOCK_DGRAM, 0, &udp_);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(BatchedUdp::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to, &udp_), 0);
    return fd;
  }
  ares_ssize_t send(ares_socket_t fd, const std::string& a, const std::string& b = "") {
    iovec iov[2] = {{const_cast<char*>(a.data()), a.size()},
                    {const_cast<char*>(b.data()), b.size()}};
    return BatchedUdp::sendv(fd, iov, b.empty() ? 1 : 2, &udp_);
  }
  ares_ssize_t read(ares_socket_t fd, std::string* out, sockaddr_in* from = nullptr) {
    char buf[BatchedUdp::kMaxDatagram];
    sockaddr_in f{};
    ares_socklen_t len = sizeof f;
    ares_ssize_t n = BatchedUdp::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&f),
                                          &len, &udp_);
    if (n >= 0) out->assign(buf, static_cast<size_t>(n));
    if (from) *from = f;
    return n;
  }

  // Waits for `fd` or a lingering port of it to be readable, as the
  // resolver's loop does.
  void wait_readable(ares_socket_t fd) {
    std::vector<pollfd> fds{{fd, POLLIN, 0}};
    for (const auto& [port, owner] : udp_.lingering()) {
      if (owner == fd) fds.push_back({port, POLLIN, 0});
    }
    ASSERT_GT(::poll(fds.data(), fds.size(), 2000), 0);
    for (size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents) udp_.mark_readable(fd, fds[i].fd);
    }
  }

  BatchedUdp udp_{1000};  // one port per flush, unless a test says otherwise
};

TEST_F(BatchedUdpTest, QueuedDatagramsLeaveOnFlushInOrder) {
  Peer peer;
  ares_socket_t fd = open_udp(peer.addr);
  const std::string first = query(1, "first.example"), second = query(2, "second.example"),
                    third = query(3, "third.example");
  EXPECT_EQ(send(fd, first), static_cast<ares_ssize_t>(first.size()));
  EXPECT_EQ(send(fd, second.substr(0, 5), second.substr(5)),  // gathered into one datagram
            static_cast<ares_ssize_t>(second.size()));
  EXPECT_EQ(send(fd, third), static_cast<ares_ssize_t>(third.size()));
  EXPECT_EQ(peer.take(), "");  // nothing leaves before the flush
  EXPECT_EQ(udp_.backlogged(), std::vector<ares_socket_t>{fd});
  udp_.flush();
  EXPECT_TRUE(udp_.backlogged().empty());
  EXPECT_EQ(peer.take(), first);
  EXPECT_EQ(peer.take(), second);
  EXPECT_EQ(peer.take(), third);
  EXPECT_EQ(peer.take(), "");
  BatchedUdp::close(fd, &udp_);
}

TEST_F(BatchedUdpTest, ReadsMoreThanABatchOneDatagramAtATime) {
  Peer peer;
  ares_socket_t fd = open_udp(peer.addr);
  const sockaddr_in self = bound_address(fd);
  const size_t count = BatchedUdp::kBatch * 2 + 5;
  std::vector<std::string> queries;
  for (size_t i = 0; i < count; ++i) {
    queries.push_back(query(static_cast<uint16_t>(i), "n" + std::to_string(i) + ".example"));
    send(fd, queries.back());
  }
  udp_.flush();
  for (size_t i = 0; i < count; ++i) {
    std::string q = peer.take();
    ASSERT_EQ(q, queries[i]);
    peer.send_to(self, answer(q));
  }
  for (size_t i = 0; i < count; ++i) {
    std::string got;
    sockaddr_in from{};
    ASSERT_GT(read(fd, &got, &from), 0) << i;
    EXPECT_EQ(got, answer(queries[i]));
    EXPECT_EQ(from.sin_port, peer.addr.sin_port);
    EXPECT_EQ(from.sin_addr.s_addr, peer.addr.sin_addr.s_addr);
  }
  std::string got;
  errno = 0;
  EXPECT_EQ(read(fd, &got), -1);
  EXPECT_EQ(errno, EAGAIN);
  // A datagram arriving after "would block" is read on the next try.
  const std::string late = query(9999, "late.example");
  send(fd, late);
  udp_.flush();
  ASSERT_EQ(peer.take(), late);
  const sockaddr_in now = bound_address(fd);  // this flush's port
  EXPECT_NE(now.sin_port, self.sin_port);
  peer.send_to(now, answer(late));
  wait_readable(fd);
  EXPECT_EQ(read(fd, &got), static_cast<ares_ssize_t>(late.size()));
  EXPECT_EQ(got, answer(late));
  errno = 0;
  EXPECT_EQ(read(fd, &got), -1);
  EXPECT_EQ(errno, EAGAIN);
  BatchedUdp::close(fd, &udp_);
}

TEST_F(BatchedUdpTest, ASendErrorReachesTheNextRead) {
  sockaddr_in closed;
  {
    Peer gone;  // a port with nobody listening once it closes
    closed = gone.addr;
  }
  ares_socket_t fd = open_udp(closed);
  // A datagram no UDP socket can send: the flush's sendmmsg fails.
  send(fd, std::string(70000, 'x'));
  udp_.flush();
  EXPECT_EQ(udp_.failed(), std::vector<ares_socket_t>{fd});
  EXPECT_TRUE(udp_.backlogged().empty());  // the failed datagram is not retried
  std::string got;
  errno = 0;
  EXPECT_EQ(read(fd, &got), -1);
  EXPECT_EQ(errno, EMSGSIZE);
  EXPECT_TRUE(udp_.failed().empty());  // reported once
  // The port-unreachable reply to a query makes the port's next read fail.
  send(fd, query(7, "probe.example"));
  udp_.flush();
  pollfd p{fd, POLLERR, 0};
  ASSERT_EQ(::poll(&p, 1, 2000), 1);
  errno = 0;
  EXPECT_EQ(read(fd, &got), -1);
  EXPECT_EQ(errno, ECONNREFUSED);
  BatchedUdp::close(fd, &udp_);
}

TEST_F(BatchedUdpTest, TcpPassesStraightThrough) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = loopback();
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  a = bound_address(listener);
  ares_socket_t fd = BatchedUdp::open(AF_INET, SOCK_STREAM, 0, &udp_);
  ASSERT_EQ(BatchedUdp::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a, &udp_), 0);
  int conn = ::accept(listener, nullptr, nullptr);
  ASSERT_GE(conn, 0);
  EXPECT_EQ(send(fd, "hello ", "tcp"), 9);  // written at once, no flush
  EXPECT_TRUE(udp_.backlogged().empty());
  char buf[16] = {};
  size_t have = 0;
  while (have < 9) {
    ssize_t n = ::recv(conn, buf + have, sizeof buf - have, 0);
    ASSERT_GT(n, 0);
    have += static_cast<size_t>(n);
  }
  EXPECT_EQ(std::string(buf, have), "hello tcp");
  ::send(conn, "back", 4, 0);
  std::string got;
  EXPECT_EQ(read(fd, &got), 4);
  EXPECT_EQ(got, "back");
  ::close(conn);
  ::close(listener);
  BatchedUdp::close(fd, &udp_);
}

// Only an answer to a query sent from the port it reaches goes to c-ares:
// same id and one question with the same name (any case), type and class.
TEST_F(BatchedUdpTest, OnlyAnswersToAQueryAskedFromThatPortAreRead) {
  Peer peer;
  ares_socket_t fd = open_udp(peer.addr);
  const std::string q = query(0x1234, "_amazonses.example.com");
  send(fd, q);
  udp_.flush();
  ASSERT_EQ(peer.take(), q);
  const sockaddr_in self = bound_address(fd);
  for (const std::string& stray : {
           answer(query(0x1235, "_amazonses.example.com")),         // another id
           answer(query(0x1234, "_amazonses.evil.example")),        // another name
           answer(query(0x1234, "_amazonses.example.com", 1)),      // another type
           answer(query(0x1234, "_amazonses.example.com", 16, 3)),  // another class
           std::string("\x12\x34 not dns"),                         // not a DNS message
       }) {
    peer.send_to(self, stray);
  }
  const std::string real = answer(query(0x1234, "_AMAZONSES.Example.COM"));
  peer.send_to(self, real);
  peer.send_to(self, real);  // a query is answered once
  wait_readable(fd);
  std::string got;
  EXPECT_EQ(read(fd, &got), static_cast<ares_ssize_t>(real.size()));
  EXPECT_EQ(got, real);
  errno = 0;
  EXPECT_EQ(read(fd, &got), -1);
  EXPECT_EQ(errno, EAGAIN);
  BatchedUdp::close(fd, &udp_);
}

// Each flush sends from fresh ports, at most per_port datagrams each; the
// ports done sending linger until their answers are in, then close.
TEST_F(BatchedUdpTest, EachFlushSendsFromFreshPortsWhoseAnswersAreRead) {
  BatchedUdp udp(2);
  Peer peer;
  ares_socket_t fd = BatchedUdp::open(AF_INET, SOCK_DGRAM, 0, &udp);
  ASSERT_EQ(BatchedUdp::connect(fd, reinterpret_cast<const sockaddr*>(&peer.addr), sizeof peer.addr,
                                &udp),
            0);
  std::vector<std::string> queries;
  auto queue = [&](int n) {
    for (int i = 0; i < n; ++i) {
      queries.push_back(query(static_cast<uint16_t>(queries.size()),
                              "q" + std::to_string(queries.size()) + ".example"));
      iovec iov{queries.back().data(), queries.back().size()};
      BatchedUdp::sendv(fd, &iov, 1, &udp);
    }
    udp.flush();
  };
  queue(5);  // ports of 2, 2 and 1
  queue(1);  // a port of its own
  std::vector<std::pair<std::string, sockaddr_in>> seen;
  std::set<uint16_t> ports;
  for (size_t i = 0; i < queries.size(); ++i) {
    sockaddr_in from{};
    std::string q = peer.take(&from);
    ASSERT_EQ(q, queries[i]);
    seen.emplace_back(q, from);
    ports.insert(from.sin_port);
  }
  EXPECT_EQ(ports.size(), 4u);
  EXPECT_EQ(seen[0].second.sin_port, seen[1].second.sin_port);
  EXPECT_NE(seen[1].second.sin_port, seen[2].second.sin_port);
  EXPECT_EQ(udp.lingering().size(), 3u);
  // An answer sent to another port than its query's is no answer.
  peer.send_to(seen[5].second, answer(seen[0].first));
  for (auto it = seen.rbegin(); it != seen.rend(); ++it)
    peer.send_to(it->second, answer(it->first));
  std::set<std::string> got;
  for (int tries = 0; tries < 50 && got.size() < queries.size(); ++tries) {
    std::vector<pollfd> fds{{fd, POLLIN, 0}};
    for (const auto& [port, owner] : udp.lingering()) fds.push_back({port, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 200) <= 0) continue;
    for (size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents) udp.mark_readable(fd, fds[i].fd);
    }
    char buf[BatchedUdp::kMaxDatagram];
    sockaddr_in from{};
    ares_socklen_t len = sizeof from;
    ares_ssize_t n;
    while ((n = BatchedUdp::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from),
                                     &len, &udp)) > 0) {
      EXPECT_TRUE(got.insert(std::string(buf, static_cast<size_t>(n))).second) << "read twice";
    }
  }
  EXPECT_EQ(got.size(), queries.size());
  for (const auto& q : queries) EXPECT_EQ(got.count(answer(q)), 1u);
  udp.flush();  // answered ports close
  EXPECT_TRUE(udp.lingering().empty());
  BatchedUdp::close(fd, &udp);
}

TEST_F(BatchedUdpTest, ClosingASocketDropsWhatItQueued) {
  Peer peer;
  ares_socket_t fd = open_udp(peer.addr);
  send(fd, "never sent");
  BatchedUdp::close(fd, &udp_);
  EXPECT_TRUE(udp_.backlogged().empty());
  udp_.flush();
  EXPECT_EQ(peer.take(), "");
}

}  // namespace
}  // namespace vouch::verify::dns
