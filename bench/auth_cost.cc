// Cost of auth::verify for an accepted request and for the most expensive
// refusals we can craft with a valid access key id and a fake signature,
// within the server's 16 KiB header block (issue 12 item 3).
//   build: cmake -DVOUCH_BUILD_BENCH=ON ... && ninja auth_cost && build/bench/auth_cost
#include <benchmark/benchmark.h>

#include <string>
#include <variant>
#include <vector>

#include "auth/sigv4.h"

namespace {

using namespace vouch::auth;

const vouch::core::TimePoint kNow{std::chrono::seconds(1767227400)};
constexpr size_t kHeaderBlock = 16 * 1024;  // server::ServerOptions::header_limit
const std::string kFakeSignature(64, '0');

struct Owned {
  std::string method = "POST", target = "/", body;
  std::vector<Header> headers;
  RequestView view() const { return {method, target, &headers, body}; }
};

std::optional<Credentials> lookup(std::string_view) {
  return Credentials{"111122223333", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
}

SignInput base_input() {
  SignInput in;
  in.method = "POST";
  in.target = "/";
  in.body = "Action=ListIdentities&Version=2010-12-01&IdentityType=Domain&MaxItems=100";
  in.region = "us-east-1";
  in.service = "ses";
  in.access_key_id = "AKIDEXAMPLE";
  in.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  in.when = kNow;
  in.add_content_sha256 = true;
  in.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                {"amz-sdk-invocation-id", "4f9c4d1e-2b7a-4c1f-9d3e-8a6b5c4d3e2f"},
                {"amz-sdk-request", "attempt=1; max=3"},
                {"x-amz-user-agent", "aws-sdk-js/3.700.0"}};
  return in;
}

Owned from(const SignInput& in, std::vector<Header> headers) {
  Owned r;
  r.method = in.method;
  r.target = in.target;
  r.body = in.body;
  r.headers = std::move(headers);
  return r;
}

// Replaces the Authorization header's SignedHeaders and Signature.
void forge(Owned& r, const std::string& signed_headers) {
  for (Header& h : r.headers) {
    if (h.name != "Authorization") continue;
    std::string v = h.value.substr(0, h.value.find("SignedHeaders="));
    h.value = v + "SignedHeaders=" + signed_headers + ", Signature=" + kFakeSignature;
  }
}

size_t header_bytes(const Owned& r) {
  size_t n = r.method.size() + r.target.size() + 12;
  for (const Header& h : r.headers) n += h.name.size() + h.value.size() + 4;
  return n;
}

void run(benchmark::State& state, const Owned& r, bool expect_ok) {
  if (header_bytes(r) > kHeaderBlock) state.SkipWithError("request exceeds the header block");
  VerifyOptions opts;
  opts.expected_service = "ses";
  for (auto _ : state) {
    auto v = verify(r.view(), lookup, kNow, opts);
    if (std::holds_alternative<Principal>(v) != expect_ok) state.SkipWithError("unexpected result");
    benchmark::DoNotOptimize(v);
  }
  state.counters["header_bytes"] = static_cast<double>(header_bytes(r));
}

void BM_Accepted(benchmark::State& state) {
  SignInput in = base_input();
  run(state, from(in, sign(in)), true);
}

// One 8 KiB header named ~3,900 times in SignedHeaders: 32 MiB canonical request before the fix.
void BM_RefusedRepeatedName(benchmark::State& state) {
  SignInput in = base_input();
  in.headers.push_back({"a", std::string(8000, 'v')});
  Owned r = from(in, sign(in));
  std::string sh;
  while (header_bytes(r) + sh.size() + 2 + 200 < kHeaderBlock) sh += "a;";
  forge(r, sh + "host;x-amz-date");
  run(state, r, false);
}

// The worst refusal that passes the SignedHeaders checks: 64 distinct names (57 + 7 SDK ones)
// whose values fill the header block, fake signature.
void BM_RefusedMaxDistinct(benchmark::State& state) {
  SignInput in = base_input();
  for (int i = 0; i < 57; ++i) in.headers.push_back({"x-h" + std::to_string(100 + i), ""});
  Owned r = from(in, sign(in));
  size_t room = kHeaderBlock - header_bytes(r) - 64;
  for (Header& h : r.headers) {
    if (h.name.starts_with("x-h")) h.value = std::string(room / 57, 'v');
  }
  std::string sh;
  for (const Header& h : r.headers) {
    if (h.name == "Authorization") {
      size_t s = h.value.find("SignedHeaders=") + 14;
      sh = h.value.substr(s, h.value.find(',', s) - s);
    }
  }
  forge(r, sh);
  run(state, r, false);
}

// The same size, correctly signed: what an accepted large request costs.
void BM_AcceptedMaxDistinct(benchmark::State& state) {
  SignInput in = base_input();
  Owned probe = from(in, sign(in));
  size_t room = kHeaderBlock - header_bytes(probe) - 57 * 12 - 700;
  for (int i = 0; i < 57; ++i) {
    in.headers.push_back({"x-h" + std::to_string(100 + i), std::string(room / 57, 'v')});
  }
  run(state, from(in, sign(in)), true);
}

// Unsorted SignedHeaders with the big header last.
void BM_RefusedUnsorted(benchmark::State& state) {
  SignInput in = base_input();
  in.headers.push_back({"a", std::string(8000, 'v')});
  Owned r = from(in, sign(in));
  std::string sh;
  while (header_bytes(r) + sh.size() + 4 + 200 < kHeaderBlock) sh += "x;a;";
  forge(r, "host;x-amz-date;" + sh);
  run(state, r, false);
}

}  // namespace

BENCHMARK(BM_Accepted);
BENCHMARK(BM_AcceptedMaxDistinct);
BENCHMARK(BM_RefusedRepeatedName);
BENCHMARK(BM_RefusedUnsorted);
BENCHMARK(BM_RefusedMaxDistinct);
BENCHMARK_MAIN();
