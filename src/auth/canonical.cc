#include "auth/canonical.h"

#include <algorithm>

#include "auth/signing_key.h"

namespace vouch::auth {
namespace {

constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr size_t kScannedHeaders = 16;

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Appends `v` trimmed with whitespace runs collapsed to one space. Like
// botocore and the JS SDK, this collapses inside quotes too.
void append_collapsed(std::string_view v, std::string& out) {
  bool any = false;
  size_t i = 0;
  while (i < v.size()) {  // whole words at a time: a refused 16 KiB header must stay cheap
    while (i < v.size() && is_space(v[i])) ++i;
    size_t word = i;
    while (i < v.size() && !is_space(v[i])) ++i;
    if (i == word) break;
    if (any) out.push_back(' ');
    out.append(v.substr(word, i - word));
    any = true;
  }
}

// A path the normalisation above leaves as it is: absolute, with no empty,
// "." or ".." segment (what every SDK sends); only encoding remains.
bool already_normal(std::string_view path) {
  if (path.front() != '/') return false;
  size_t start = 1;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

const Header* find_header(const std::vector<Header>* headers, std::string_view name) {
  if (headers == nullptr) return nullptr;
  for (const Header& h : *headers) {
    if (iequals(h.name, name)) return &h;
  }
  return nullptr;
}

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
  if (size_t scheme = target.find("://");
      scheme != std::string_view::npos && target.find_first_of("/?") > scheme) {
    size_t path = target.find_first_of("/?", scheme + 3);
    target = path == std::string_view::npos ? std::string_view() : target.substr(path);
  }
  target = target.substr(0, target.find('#'));
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

void uri_encode(std::string_view in, bool keep_slash, std::string& out) {
  for (char ch : in) {
    auto c = static_cast<unsigned char>(ch);
    if (unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHexUpper[c >> 4]);
      out.push_back(kHexUpper[c & 0xf]);
    }
  }
}

std::string percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    int hi, lo;
    if (in[i] == '%' && i + 2 < in.size() && (hi = hex_value(in[i + 1])) >= 0 &&
        (lo = hex_value(in[i + 2])) >= 0) {
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

// botocore remove_dot_segments / smithy getCanonicalPath semantics: drop
// empty and "." segments, ".." pops, keep the leading '/', keep a trailing
// '/' only when something remains.
std::string canonical_uri(std::string_view raw_path) {
  std::string out;
  append_canonical_uri(raw_path, out);
  return out;
}

void append_canonical_uri(std::string_view raw_path, std::string& out) {
  if (raw_path.empty()) {
    out.push_back('/');
    return;
  }
  if (already_normal(raw_path)) return uri_encode(raw_path, true, out);
  std::vector<std::string_view> segs;
  segs.reserve(8);
  size_t start = 0;
  while (start <= raw_path.size()) {
    size_t end = raw_path.find('/', start);
    if (end == std::string_view::npos) end = raw_path.size();
    std::string_view seg = raw_path.substr(start, end - start);
    if (seg == "..") {
      if (!segs.empty()) segs.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segs.push_back(seg);
    }
    start = end + 1;
  }
  const size_t first = out.size();
  if (raw_path.front() == '/') out.push_back('/');
  for (size_t i = 0; i < segs.size(); ++i) {
    if (i > 0) out.push_back('/');
    uri_encode(segs[i], false, out);
  }
  if (raw_path.back() == '/' && !segs.empty()) out.push_back('/');
  if (out.size() == first) out.push_back('/');
}

std::string canonical_query(std::string_view raw_query, bool presigned) {
  std::string out;
  if (raw_query.empty()) return out;
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start <= raw_query.size()) {
    size_t end = raw_query.find('&', start);
    if (end == std::string_view::npos) end = raw_query.size();
    std::string_view pair = raw_query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view()
                                                          : pair.substr(eq + 1);
    std::string enc_name, enc_value;
    uri_encode(percent_decode(name), false, enc_name);
    if (presigned && enc_name == "X-Amz-Signature") continue;
    uri_encode(percent_decode(value), false, enc_value);
    params.emplace_back(std::move(enc_name), std::move(enc_value));
  }
  std::sort(params.begin(), params.end());
  size_t total = 0;
  for (const auto& [n, v] : params) total += n.size() + v.size() + 2;
  out.reserve(total);
  for (const auto& [n, v] : params) {
    if (!out.empty()) out.push_back('&');
    out.append(n).push_back('=');
    out.append(v);
  }
  return out;
}

void append_canonical_header_value(const std::vector<Header>& headers, std::string_view lower_name,
                                   std::string& out) {
  bool first = true;
  for (const Header& h : headers) {
    if (!iequals(h.name, lower_name)) continue;
    if (!first) out.push_back(',');
    first = false;
    append_collapsed(h.value, out);
  }
}

std::optional<std::string> canonical_request(const RequestView& req,
                                             std::string_view signed_headers,
                                             std::string_view payload_hash, bool presigned,
                                             size_t max_size) {
  std::string out;
  if (!append_canonical_request(req, signed_headers, payload_hash, presigned, max_size, out)) {
    return std::nullopt;
  }
  return out;
}

bool append_canonical_request(const RequestView& req, std::string_view signed_headers,
                              std::string_view payload_hash, bool presigned, size_t max_size,
                              std::string& out) {
  auto [path, query] = split_target(req.target);
  const size_t first = out.size();
  out.reserve(first + std::min<size_t>(max_size, req.method.size() + path.size() + query.size() +
                                                     2 * signed_headers.size() + 256));
  out.append(req.method).push_back('\n');
  append_canonical_uri(path, out);
  out.push_back('\n');
  if (!query.empty()) out.append(canonical_query(query, presigned));
  out.push_back('\n');
  // Each named header's values in arrival order. A few headers (every SDK's
  // request) are scanned per name; more are indexed by lowercased name, so
  // that a long SignedHeaders list costs no scan of every header per name.
  std::vector<std::pair<std::string, const Header*>> by_name;
  if (req.headers != nullptr && req.headers->size() > kScannedHeaders) {
    by_name.reserve(req.headers->size());
    for (const Header& h : *req.headers) {
      std::string name(h.name);
      for (char& c : name) c = lower(c);
      by_name.emplace_back(std::move(name), &h);
    }
    std::stable_sort(by_name.begin(), by_name.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  size_t start = 0;
  std::string lower_name;
  while (start < signed_headers.size() && out.size() - first <= max_size) {
    size_t end = signed_headers.find(';', start);
    if (end == std::string_view::npos) end = signed_headers.size();
    const std::string_view name = signed_headers.substr(start, end - start);
    start = end + 1;
    if (name.empty()) continue;
    for (char c : name) out.push_back(lower(c));
    out.push_back(':');
    bool first_value = true;
    const auto add = [&](const Header& h) {
      if (!first_value) out.push_back(',');
      first_value = false;
      append_collapsed(h.value, out);
    };
    if (!by_name.empty()) {
      lower_name.assign(out, out.size() - 1 - name.size(), name.size());
      auto it = std::lower_bound(by_name.begin(), by_name.end(), lower_name,
                                 [](const auto& a, const std::string& n) { return a.first < n; });
      for (; it != by_name.end() && it->first == lower_name; ++it) add(*it->second);
    } else if (req.headers != nullptr) {
      for (const Header& h : *req.headers) {
        if (iequals(h.name, name)) add(h);
      }
    }
    out.push_back('\n');
  }
  out.push_back('\n');
  out.append(signed_headers).push_back('\n');
  out.append(payload_hash);
  return out.size() - first <= max_size;
}

std::string string_to_sign(std::string_view amz_date, std::string_view credential_scope,
                           std::string_view canonical_request) {
  std::string out;
  append_string_to_sign(amz_date, credential_scope, canonical_request, out);
  return out;
}

void append_string_to_sign(std::string_view amz_date, std::string_view credential_scope,
                           std::string_view canonical_request, std::string& out) {
  out.reserve(out.size() + 17 + amz_date.size() + credential_scope.size() + 64 + 3);
  out.append("AWS4-HMAC-SHA256\n").append(amz_date).push_back('\n');
  out.append(credential_scope).push_back('\n');
  char hex_hash[64];
  hex_encode(sha256(canonical_request), hex_hash);
  out.append(hex_hash, sizeof hex_hash);
}

}  // namespace vouch::auth
