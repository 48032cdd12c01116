// Pre-signs SES (awsQuery) and VPC Lattice (restJson1) requests for wrk
// (bench/*.lua) with vouch's own SigV4 signer (vouch::auth::sign), dated now:
// a signed request may be replayed within the skew window, as on AWS (15
// minutes for SES, 5 minutes for VPC Lattice).
//
//   sign_request --host 127.0.0.1:PORT [--region us-east-1] [--service ses]
//                (--get N | --verify-domains N | --list N) [--prefix P]
//                [--suffix S] [--start I] [--stride K]
//   sign_request --host 127.0.0.1:PORT [--region R]
//                (--lattice-get ID | --lattice-start N [--per-region M])
//                [--prefix P] [--suffix S] [--start I]
//   sign_request --host 127.0.0.1:PORT [--region R] --sesv2-get NAME
//
// Credentials come from VOUCH_ROOT_ACCESS_KEY_ID / VOUCH_ROOT_SECRET_ACCESS_KEY.
// --get N: one GetIdentityVerificationAttributes request naming N domains.
// --verify-domains N: N VerifyDomainIdentity requests, one distinct domain each.
// --list N: one ListIdentities request for a page of N (MaxItems).
// Domains are P<i>S for i = I, I+K, ... (N of them; K defaults to 1; S
// defaults to .example.com), as bench/seed_identities names them.
// --sesv2-get NAME: one SES v2 GetEmailIdentity (GET
//   /v2/email/identities/NAME, service ses).
// --lattice-get ID: one VPC Lattice GetDomainVerification (GET
//   /domainverifications/ID, service vpc-lattice).
// --lattice-start N: N StartDomainVerification requests (POST
//   /domainverifications), each a distinct domain P<i>S with tags and its own
//   clientToken. With --per-region M, request i is signed for Region R<i/M>
//   (the SigV4 scope's Region is free-form), so that M creates per
//   account+Region stay within the quota of 5.
//
// Output, one request per line, all fields separated by tabs (none of them
// contains a tab or newline):
//   SES (awsQuery, POST /):   body, then header name/value pairs
//   Lattice, SES v2 (restJson1): method, path, body (may be empty), then header
//                             name/value pairs
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
               "                    (--get N | --verify-domains N | --list N) [--prefix P]\n"
               "                    [--suffix S] [--start I] [--stride K]\n"
               "       sign_request --host HOST:PORT [--region R]\n"
               "                    (--lattice-get ID | --lattice-start N [--per-region M])\n"
               "                    [--prefix P] [--suffix S] [--start I]\n"
               "       sign_request --host HOST:PORT [--region R] --sesv2-get NAME\n");
  return 2;
}

std::string suffix = ".example.com";

std::string domain(const std::string& prefix, long i) {
  return prefix + std::to_string(i) + suffix;
}

void flush(std::string& out, bool force) {
  if (!force && out.size() <= (1 << 20)) return;
  std::fwrite(out.data(), 1, out.size(), stdout);
  out.clear();
}

void append_headers(std::string& out, const std::vector<vouch::auth::Header>& headers) {
  for (const auto& h : headers) {
    out += '\t';
    out += h.name;
    out += '\t';
    out += h.value;
  }
  out += '\n';
}

}  // namespace

int main(int argc, char** argv) {
  std::string host, region = "us-east-1", service = "ses", prefix = "bench-";
  std::string lattice_get, sesv2_get;
  long get = 0, verify = 0, list = 0, start = 0, stride = 1, lattice_start = 0, per_region = 0;
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
    else if (a == "--list") list = std::atol(v.c_str());
    else if (a == "--start") start = std::atol(v.c_str());
    else if (a == "--stride") stride = std::atol(v.c_str());
    else if (a == "--suffix") suffix = v;
    else if (a == "--lattice-get") lattice_get = v;
    else if (a == "--sesv2-get") sesv2_get = v;
    else if (a == "--lattice-start") lattice_start = std::atol(v.c_str());
    else if (a == "--per-region") per_region = std::atol(v.c_str());
    else return usage();
  }
  const int modes = (get > 0) + (verify > 0) + (list > 0) + !lattice_get.empty() +
                    (lattice_start > 0) + !sesv2_get.empty();
  const char* key = std::getenv("VOUCH_ROOT_ACCESS_KEY_ID");
  const char* secret = std::getenv("VOUCH_ROOT_SECRET_ACCESS_KEY");
  if (host.empty() || modes != 1 || !key || !secret) return usage();

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

  std::string out;
  if (!sesv2_get.empty()) {  // restJson1, signed for ses
    in.method = "GET";
    in.target = "/v2/email/identities/" + sesv2_get;
    in.headers.clear();
    out += in.method + '\t' + in.target + '\t';
    append_headers(out, vouch::auth::sign(in));
    flush(out, true);
    return std::fflush(stdout) == 0 ? 0 : 1;
  }
  if (!lattice_get.empty() || lattice_start > 0) {  // restJson1
    in.service = "vpc-lattice";
    if (!lattice_get.empty()) {
      in.method = "GET";
      in.target = "/domainverifications/" + lattice_get;
      in.headers.clear();
      out += in.method + '\t' + in.target + '\t';
      append_headers(out, vouch::auth::sign(in));
    }
    in.method = "POST";
    in.target = "/domainverifications";
    in.headers = {{"Content-Type", "application/json"}};
    for (long i = 0; i < lattice_start; ++i) {
      const long n = start + i;
      if (per_region > 0) in.region = region + std::to_string(n / per_region);
      in.body = "{\"domainName\":\"" + domain(prefix, n) + "\",\"clientToken\":\"ct-" + prefix +
                std::to_string(n) + "\",\"tags\":{\"bench\":\"start\",\"n\":\"" +
                std::to_string(n) + "\"}}";
      out += in.method + '\t' + in.target + '\t' + in.body;
      append_headers(out, vouch::auth::sign(in));
      flush(out, false);
    }
    flush(out, true);
    return std::fflush(stdout) == 0 ? 0 : 1;
  }

  std::vector<std::string> bodies;
  if (get > 0) {
    std::string body = "Action=GetIdentityVerificationAttributes&Version=2010-12-01";
    for (long i = 0; i < get; ++i) {
      body += "&Identities.member." + std::to_string(i + 1) + "=" +
              domain(prefix, start + i * stride);
    }
    bodies.push_back(std::move(body));
  } else if (list > 0) {
    bodies.push_back("Action=ListIdentities&Version=2010-12-01&MaxItems=" + std::to_string(list));
  } else {
    bodies.reserve(static_cast<size_t>(verify));
    for (long i = 0; i < verify; ++i) {
      bodies.push_back("Action=VerifyDomainIdentity&Version=2010-12-01&Domain=" +
                       domain(prefix, start + i * stride));
    }
  }

  for (auto& body : bodies) {
    in.body = std::move(body);
    auto headers = vouch::auth::sign(in);
    out += in.body;
    append_headers(out, headers);
    flush(out, false);
  }
  flush(out, true);
  return std::fflush(stdout) == 0 ? 0 : 1;
}
