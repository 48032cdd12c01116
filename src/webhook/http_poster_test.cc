// CurlPoster's refusal of private addresses, on the address it would connect
// to, against its positive control (allowed, the same address is tried).
#include "webhook/http_poster.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace vouch::webhook {
namespace {

bool private_v4(const char* text) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  EXPECT_EQ(inet_pton(AF_INET, text, &a.sin_addr), 1) << text;
  return is_private_address(reinterpret_cast<const sockaddr*>(&a));
}

bool private_v6(const char* text) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  EXPECT_EQ(inet_pton(AF_INET6, text, &a.sin6_addr), 1) << text;
  return is_private_address(reinterpret_cast<const sockaddr*>(&a));
}

TEST(PrivateAddress, LoopbackPrivateLinkLocalAndUnspecifiedAreRefused) {
  for (const char* a : {"127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255",
                        "192.168.1.1", "169.254.169.254", "0.0.0.0"}) {
    EXPECT_TRUE(private_v4(a)) << a;
  }
  for (const char* a :
       {"::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1"}) {
    EXPECT_TRUE(private_v6(a)) << a;
  }
}

TEST(PrivateAddress, PublicAddressesAreNot) {
  for (const char* a : {"8.8.8.8", "172.32.0.1", "172.15.255.255", "192.169.0.1", "1.1.1.1",
                        "11.0.0.1", "169.255.0.1"}) {
    EXPECT_FALSE(private_v4(a)) << a;
  }
  for (const char* a : {"2001:db8::1", "2606:4700::1111", "::ffff:8.8.8.8", "fec0::1"}) {
    EXPECT_FALSE(private_v6(a)) << a;
  }
}

// A loopback port nobody listens on: refused before connecting unless
// allowed; allowed, the connect itself fails.
unsigned short closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

TEST(CurlPoster, RefusesLoopbackUnlessAllowed) {
  const std::string url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/hook";
  CurlPoster strict(PosterOptions{});
  PostResult refused = strict.post(url, {}, "{}");
  EXPECT_EQ(refused.kind, PostResult::Kind::kRefused);
  EXPECT_NE(refused.error.find("127.0.0.1"), std::string::npos) << refused.error;
  EXPECT_NE(refused.error.find("--webhook-allow-private"), std::string::npos);

  PosterOptions open;
  open.allow_private = true;
  PostResult tried = CurlPoster(open).post(url, {}, "{}");
  EXPECT_EQ(tried.kind, PostResult::Kind::kTransport) << tried.error;
}

TEST(CurlPoster, ANameResolvingToLoopbackIsRefusedToo) {
  CurlPoster strict(PosterOptions{});
  PostResult r = strict.post("http://localhost:" + std::to_string(closed_port()) + "/", {}, "{}");
  EXPECT_EQ(r.kind, PostResult::Kind::kRefused) << r.error;
}

}  // namespace
}  // namespace vouch::webhook
