// Client-side signing, mirroring what botocore / the JS SDK send. Used by
// tests and benchmarks only, so clarity beats speed here.
#include <algorithm>
#include <array>

#include "auth/canonical.h"
#include "auth/signing_key.h"
#include "auth/sigv4.h"
#include "auth/time_format.h"

namespace vouch::auth {
namespace {

// Union of botocore's and the JS SDK's never-signed headers.
constexpr std::array<std::string_view, 16> kUnsignable = {"authorization",
                                                          "cache-control",
                                                          "connection",
                                                          "expect",
                                                          "from",
                                                          "keep-alive",
                                                          "max-forwards",
                                                          "pragma",
                                                          "referer",
                                                          "te",
                                                          "trailer",
                                                          "transfer-encoding",
                                                          "upgrade",
                                                          "user-agent",
                                                          "x-amzn-trace-id",
                                                          "proxy-authorization"};

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

void erase_header(std::vector<Header>& headers, std::string_view name) {
  std::erase_if(headers, [name](const Header& h) { return iequals(h.name, name); });
}

std::string signed_header_list(const std::vector<Header>& headers) {
  std::vector<std::string> names;
  for (const Header& h : headers) {
    std::string n = to_lower(h.name);
    if (std::find(kUnsignable.begin(), kUnsignable.end(), n) != kUnsignable.end()) continue;
    if (n.starts_with("proxy-") || n.starts_with("sec-")) continue;
    names.push_back(std::move(n));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out.push_back(';');
    out.append(n);
  }
  return out;
}

std::string credential_scope(const SignInput& in, std::string_view amz_date) {
  return std::string(amz_date.substr(0, 8)) + "/" + in.region + "/" + in.service + "/aws4_request";
}

std::string signature(const SignInput& in, std::string_view amz_date, std::string_view scope,
                      std::string_view creq) {
  return hex(scope_signature(in.secret_access_key, amz_date.substr(0, 8), in.region, in.service,
                             string_to_sign(amz_date, scope, creq)));
}

}  // namespace

std::vector<Header> sign(const SignInput& in) {
  std::vector<Header> headers = in.headers;
  erase_header(headers, "authorization");
  erase_header(headers, "x-amz-date");
  if (find_header(&headers, "host") == nullptr) headers.push_back({"Host", in.host});
  std::string amz_date = format_amz_date(in.when);
  headers.push_back({"X-Amz-Date", amz_date});
  std::string payload_hash = sha256_hex(in.body);
  if (in.add_content_sha256) {
    erase_header(headers, "x-amz-content-sha256");
    headers.push_back({"X-Amz-Content-Sha256", payload_hash});
  } else if (const Header* h = find_header(&headers, "x-amz-content-sha256")) {
    payload_hash = h->value;
  }
  std::string signed_headers = signed_header_list(headers);
  RequestView view{in.method, in.target, &headers, in.body};
  std::string scope = credential_scope(in, amz_date);
  std::string creq = *canonical_request(view, signed_headers, payload_hash);
  headers.push_back({"Authorization", "AWS4-HMAC-SHA256 Credential=" + in.access_key_id + "/" +
                                          scope + ", SignedHeaders=" + signed_headers +
                                          ", Signature=" + signature(in, amz_date, scope, creq)});
  return headers;
}

std::string presign(const SignInput& in, std::chrono::seconds expires) {
  std::vector<Header> headers = in.headers;
  if (find_header(&headers, "host") == nullptr) headers.push_back({"Host", in.host});
  std::string amz_date = format_amz_date(in.when);
  std::string scope = credential_scope(in, amz_date);
  std::string signed_headers = signed_header_list(headers);
  std::string target = in.target;
  target.push_back(target.find('?') == std::string::npos ? '?' : '&');
  target.append("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=");
  uri_encode(in.access_key_id + "/" + scope, false, target);
  target.append("&X-Amz-Date=").append(amz_date);
  target.append("&X-Amz-Expires=").append(std::to_string(expires.count()));
  target.append("&X-Amz-SignedHeaders=");
  uri_encode(signed_headers, false, target);
  RequestView view{in.method, target, &headers, in.body};
  std::string creq = *canonical_request(view, signed_headers, sha256_hex(in.body), true);
  target.append("&X-Amz-Signature=").append(signature(in, amz_date, scope, creq));
  return target;
}

}  // namespace vouch::auth
