// presign(), peek_scope(), canonicalization details and the key cache.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "auth/canonical.h"
#include "auth/sigv4.h"
#include "auth/test_util.h"

namespace vouch::auth {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using testing::at;
using testing::check;
using testing::error_of;
using testing::input;
using testing::kNow;
using testing::Req;
using testing::signed_req;

TEST(Verify, ConcurrentUseOfKeyCache) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&ok, t] {
      for (int i = 0; i < 50; ++i) {
        Req r = signed_req(input(kNow - seconds(t * 100 + i)));
        if (std::holds_alternative<Principal>(check(r))) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 200);
}

TEST(Presign, ValidExpiredAndTampered) {
  SignInput in = input(kNow - minutes(40));  // older than the skew window: fine for a URL
  std::string target = presign(in, seconds(3600));
  EXPECT_NE(target.find("X-Amz-Credential=AKIDTEST%2F20251231%2Fus-east-1%2Fvpc-lattice%2F"),
            std::string::npos);
  Req r{"GET", target, "", {{"Host", in.host}}};
  auto v = check(r);
  ASSERT_TRUE(std::holds_alternative<Principal>(v)) << error_of(v).message;

  Req expired{"GET", presign(in, seconds(60)), "", {{"Host", in.host}}};
  AuthError e = error_of(check(expired));
  EXPECT_EQ(e.kind, Failure::kExpired);
  EXPECT_EQ(e.message, "Request has expired.");

  Req tampered = r;
  tampered.target.replace(tampered.target.find("maxResults=5"), 12, "maxResults=9");
  EXPECT_EQ(error_of(check(tampered)).kind, Failure::kMismatch);
  Req other_host{"GET", target, "", {{"Host", "evil.example"}}};
  EXPECT_EQ(error_of(check(other_host)).kind, Failure::kMismatch);

  Req future{"GET", presign(input(kNow + minutes(20)), seconds(60)), "", {{"Host", in.host}}};
  EXPECT_EQ(error_of(check(future)).kind, Failure::kNotYetCurrent);
}

TEST(Presign, MissingParamsAreIncomplete) {
  Req r{"GET",
        "/x?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20260101T003000Z",
        "",
        {{"Host", "h"}}};
  AuthError e = error_of(check(r));
  EXPECT_EQ(e.kind, Failure::kIncomplete);
  EXPECT_EQ(e.message, "AWS query-string parameters must include 'X-Amz-Credential'. AWS "
                       "query-string parameters must include 'X-Amz-Signature'. AWS query-string "
                       "parameters must include 'X-Amz-SignedHeaders'. AWS query-string "
                       "parameters must include 'X-Amz-Expires'. Re-examine the query-string "
                       "parameters.");
}

TEST(Canonical, QueryString) {
  EXPECT_EQ(canonical_query("b=2&a&c=%7e+x&a=1"), "a=&a=1&b=2&c=~%2Bx");
  EXPECT_EQ(canonical_query("X-Amz-Signature=abc&z=%20", true), "z=%20");
  EXPECT_EQ(canonical_query("X-Amz-Signature=abc", false), "X-Amz-Signature=abc");
  EXPECT_EQ(canonical_query("k=%zz&&"), "k=%25zz");
  EXPECT_EQ(canonical_query(""), "");
}

TEST(Canonical, UriNormalization) {
  EXPECT_EQ(canonical_uri(""), "/");
  EXPECT_EQ(canonical_uri("/a/./b/../c//d/"), "/a/c/d/");
  EXPECT_EQ(canonical_uri("/../.."), "/");
  EXPECT_EQ(canonical_uri("/a b/%41"), "/a%20b/%2541");
  // Paths already normal take a shortcut; these sit on its edges.
  EXPECT_EQ(canonical_uri("/"), "/");
  EXPECT_EQ(canonical_uri("/a/"), "/a/");
  EXPECT_EQ(canonical_uri("/a/b"), "/a/b");
  EXPECT_EQ(canonical_uri("/a//"), "/a/");
  EXPECT_EQ(canonical_uri("/a/."), "/a");
  EXPECT_EQ(canonical_uri("/.a/..b/...c"), "/.a/..b/...c");
  EXPECT_EQ(canonical_uri("a/b"), "a/b");
  EXPECT_EQ(canonical_uri("/a:b/c%2F"), "/a%3Ab/c%252F");
  EXPECT_EQ(split_target("http://h:1/p?q=1").first, "/p");
  EXPECT_EQ(split_target("/p?q=http://x").second, "q=http://x");
}

TEST(PeekScope, HeaderAndQueryForms) {
  Req r = signed_req(input());
  auto s = peek_scope(r.view());
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->access_key_id, "AKIDTEST");
  EXPECT_EQ(s->date, "20260101");
  EXPECT_EQ(s->region, "us-east-1");
  EXPECT_EQ(s->service, "vpc-lattice");

  SignInput in = input();
  in.service = "ses";
  Req q{"GET", presign(in, seconds(60)), "", {{"Host", in.host}}};
  s = peek_scope(q.view());
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->service, "ses");

  Req none{"GET", "/", "", {{"Host", "x"}}};
  EXPECT_FALSE(peek_scope(none.view()).has_value());
  Req bad{"GET", "/", "", {{"Authorization", "AWS4-HMAC-SHA256 Credential=AKID/2026/x"}}};
  EXPECT_FALSE(peek_scope(bad.view()).has_value());
}

}  // namespace
}  // namespace vouch::auth
