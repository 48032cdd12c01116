// BatchedUdp on real loopback sockets: queued datagrams leave only on flush,
// in order and intact; reads come in batches yet one datagram at a time,
// with the sender's address; "would block" when empty, and new datagrams are
// still seen after it; a send error reaches the next read; TCP passes
// through untouched.
#include "verify/dns/batched_udp.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <string>

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
  // The next datagram, or "" when none is waiting.
  std::string take() {
    char buf[2048];
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
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
    iovec iov[2] = {{const_cast<char*>(a.data()), a.size()}, {const_cast<char*>(b.data()), b.size()}};
    return BatchedUdp::sendv(fd, iov, b.empty() ? 1 : 2, &udp_);
  }
  ares_ssize_t read(ares_socket_t fd, std::string* out, sockaddr_in* from = nullptr) {
    char buf[BatchedUdp::kMaxDatagram];
    sockaddr_in f{};
    ares_socklen_t len = sizeof f;
    ares_ssize_t n = BatchedUdp::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&f), &len, &udp_);
    if (n >= 0) out->assign(buf, static_cast<size_t>(n));
    if (from) *from = f;
    return n;
  }

  BatchedUdp udp_;
};

TEST_F(BatchedUdpTest, QueuedDatagramsLeaveOnFlushInOrder) {
  Peer peer;
  ares_socket_t fd = open_udp(peer.addr);
  EXPECT_EQ(send(fd, "first"), 5);
  EXPECT_EQ(send(fd, "sec", "ond"), 6);  // gathered into one datagram
  EXPECT_EQ(send(fd, "third"), 5);
  EXPECT_EQ(peer.take(), "");  // nothing leaves before the flush
  EXPECT_EQ(udp_.backlogged(), std::vector<ares_socket_t>{fd});
  udp_.flush();
  EXPECT_TRUE(udp_.backlogged().empty());
  EXPECT_EQ(peer.take(), "first");
  EXPECT_EQ(peer.take(), "second");
  EXPECT_EQ(peer.take(), "third");
  EXPECT_EQ(peer.take(), "");
  BatchedUdp::close(fd, &udp_);
}

TEST_F(BatchedUdpTest, ReadsMoreThanABatchOneDatagramAtATime) {
  Peer peer;
  ares_socket_t fd = open_udp(peer.addr);
  const sockaddr_in self = bound_address(fd);
  const size_t count = BatchedUdp::kBatch * 2 + 5;
  for (size_t i = 0; i < count; ++i) {
    std::string d = "answer " + std::to_string(i);
    ASSERT_EQ(::sendto(peer.fd, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&self),
                       sizeof self),
              static_cast<ssize_t>(d.size()));
  }
  for (size_t i = 0; i < count; ++i) {
    std::string got;
    sockaddr_in from{};
    ASSERT_GT(read(fd, &got, &from), 0) << i;
    EXPECT_EQ(got, "answer " + std::to_string(i));
    EXPECT_EQ(from.sin_port, peer.addr.sin_port);
    EXPECT_EQ(from.sin_addr.s_addr, peer.addr.sin_addr.s_addr);
  }
  std::string got;
  errno = 0;
  EXPECT_EQ(read(fd, &got), -1);
  EXPECT_EQ(errno, EAGAIN);
  // A datagram arriving after "would block" is read on the next try.
  ::sendto(peer.fd, "late", 4, 0, reinterpret_cast<const sockaddr*>(&self), sizeof self);
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 2000), 1);
  EXPECT_EQ(read(fd, &got), 4);
  EXPECT_EQ(got, "late");
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
  send(fd, "probe");
  udp_.flush();
  // The port-unreachable reply makes the socket's next call fail.
  pollfd p{fd, POLLERR, 0};
  ASSERT_EQ(::poll(&p, 1, 2000), 1);
  send(fd, "query");
  udp_.flush();
  EXPECT_EQ(udp_.failed(), std::vector<ares_socket_t>{fd});
  EXPECT_TRUE(udp_.backlogged().empty());  // the failed datagram is not retried
  std::string got;
  errno = 0;
  EXPECT_EQ(read(fd, &got), -1);
  EXPECT_EQ(errno, ECONNREFUSED);
  EXPECT_TRUE(udp_.failed().empty());  // reported once
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
