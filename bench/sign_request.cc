// Pre-signs SES awsQuery requests for bench/replay.lua with vouch's own SigV4
// signer (vouch::auth::sign), dated now: a signed request may be replayed
// within the 15-minute skew window, as on AWS.
//
//   sign_request --host 127.0.0.1:PORT [--region us-east-1] [--service ses]
//                (--get N | --verify-domains N) [--prefix P] [--start I] [--stride K]
//
// Credentials come from VOUCH_ROOT_ACCESS_KEY_ID / VOUCH_ROOT_SECRET_ACCESS_KEY.
// --get N: one GetIdentityVerificationAttributes request naming N domains.
// --verify-domains N: N VerifyDomainIdentity requests, one distinct domain each.
// Domains are P<i>.example.com for i = I, I+K, ... (N of them; K defaults to
// 1), as bench/seed_identities names them.
//
// Output, one request per line: body, then header name/value pairs, all
// separated by tabs (none of them contains a tab or newline).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "auth/sigv4.h"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: sign_request --host HOST:PORT [--region R] [--service S]\n"
               "                    (--get N | --verify-domains N) [--prefix P] [--start I]\n"
               "                    [--stride K]\n");
  return 2;
}

std::string domain(const std::string& prefix, long i) {
  return prefix + std::to_string(i) + ".example.com";
}

}  // namespace

int main(int argc, char** argv) {
  std::string host, region = "us-east-1", service = "ses", prefix = "bench-";
  long get = 0, verify = 0, start = 0, stride = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    std::string v = argv[++i];
    if (a == "--host") host = v;
    else if (a == "--region") region = v;
    else if (a == "--service") service = v;
    else if (a == "--prefix") prefix = v;
    else if (a == "--get") get = std::atol(v.c_str());
    else if (a == "--verify-domains") verify = std::atol(v.c_str());
    else if (a == "--start") start = std::atol(v.c_str());
    else if (a == "--stride") stride = std::atol(v.c_str());
    else return usage();
  }
  const char* key = std::getenv("VOUCH_ROOT_ACCESS_KEY_ID");
  const char* secret = std::getenv("VOUCH_ROOT_SECRET_ACCESS_KEY");
  if (host.empty() || (get > 0) == (verify > 0) || !key || !secret) return usage();

  vouch::auth::SignInput in;
  in.method = "POST";
  in.target = "/";
  in.region = region;
  in.service = service;
  in.access_key_id = key;
  in.secret_access_key = secret;
  in.when = std::chrono::system_clock::now();
  in.host = host;
  in.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};

  std::vector<std::string> bodies;
  if (get > 0) {
    std::string body = "Action=GetIdentityVerificationAttributes&Version=2010-12-01";
    for (long i = 0; i < get; ++i) {
      body += "&Identities.member." + std::to_string(i + 1) + "=" + domain(prefix, start + i * stride);
    }
    bodies.push_back(std::move(body));
  } else {
    bodies.reserve(static_cast<size_t>(verify));
    for (long i = 0; i < verify; ++i) {
      bodies.push_back("Action=VerifyDomainIdentity&Version=2010-12-01&Domain=" +
                       domain(prefix, start + i * stride));
    }
  }

  std::string out;
  for (auto& body : bodies) {
    in.body = std::move(body);
    auto headers = vouch::auth::sign(in);
    out += in.body;
    for (const auto& h : headers) {
      out += '\t';
      out += h.name;
      out += '\t';
      out += h.value;
    }
    out += '\n';
    if (out.size() > (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}
