#include "auth/test_util.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "auth/canonical.h"
#include "auth/time_format.h"

namespace vouch::auth::testing {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot open " << path << "\n";
    std::abort();
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

OwnedRequest parse_http(std::string_view text) {
  OwnedRequest r;
  size_t eol = text.find('\n');
  std::string_view line = text.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = line.rfind(" HTTP/");
  r.method = std::string(line.substr(0, sp1));
  r.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
  while (!text.empty()) {
    eol = text.find('\n');
    line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      r.body = std::string(text);
      break;
    }
    size_t colon = line.find(':');
    r.headers.push_back({std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
  }
  return r;
}

vouch::core::TimePoint at(std::string_view amz_date) {
  auto t = parse_amz_date(amz_date);
  if (!t) {
    std::cerr << "bad date " << amz_date << "\n";
    std::abort();
  }
  return *t;
}

std::string header_value(const OwnedRequest& r, std::string_view name) {
  const Header* h = find_header(&r.headers, name);
  return h == nullptr ? std::string() : h->value;
}

std::optional<Credentials> test_lookup(std::string_view akid) {
  if (akid != "AKIDTEST") return std::nullopt;
  return Credentials{"123456789012", "secret/KEY+value"};
}

SignInput input(vouch::core::TimePoint when) {
  SignInput in;
  in.method = "GET";
  in.target = "/domainverifications?maxResults=5";
  in.region = "us-east-1";
  in.service = "vpc-lattice";
  in.access_key_id = "AKIDTEST";
  in.secret_access_key = "secret/KEY+value";
  in.when = when;
  in.host = "vpc-lattice.us-east-1.amazonaws.com";
  return in;
}

Req signed_req(const SignInput& in) { return Req{in.method, in.target, in.body, sign(in)}; }

std::variant<Principal, AuthError> check(const Req& r, VerifyOptions opts) {
  return verify(r.view(), test_lookup, kNow, opts);
}

AuthError error_of(const std::variant<Principal, AuthError>& v) {
  if (auto* p = std::get_if<Principal>(&v)) {
    ADD_FAILURE() << "unexpectedly verified " << p->access_key_id;
    return AuthError{Failure::kMissing, ""};
  }
  return std::get<AuthError>(v);
}

void set_header(Req& r, std::string_view name, std::string value) {
  for (Header& h : r.headers) {
    if (iequals(h.name, name)) {
      h.value = std::move(value);
      return;
    }
  }
  r.headers.push_back({std::string(name), std::move(value)});
}

void drop_header(Req& r, std::string_view name) {
  std::erase_if(r.headers, [&](const Header& h) { return iequals(h.name, name); });
}

}  // namespace vouch::auth::testing
