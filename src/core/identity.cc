#include "core/identity.h"

#include <idn2.h>

#include <algorithm>
#include <cstdlib>

namespace vouch::core {
namespace {

bool is_ldh(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

bool valid_ascii_host(std::string_view h) {
  if (h.empty() || h.size() > kMaxDnsNameText) return false;
  size_t labels = 0;
  size_t start = 0;
  while (start <= h.size()) {
    size_t end = h.find('.', start);
    if (end == std::string_view::npos) end = h.size();
    std::string_view label = h.substr(start, end - start);
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(), is_ldh)) return false;
    ++labels;
    start = end + 1;
  }
  return labels >= 2;
}

// Labels that are ASCII need only lower-casing; anything else goes through
// libidn2, which does the UTS #46 mapping (case folding included).
Result<std::string> to_ascii_host(std::string_view input) {
  bool ascii = std::all_of(input.begin(), input.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  std::string out;
  if (ascii) {
    out.assign(input);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
      return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    });
  } else {
    std::string in(input);
    char* converted = nullptr;
    int rc = idn2_to_ascii_8z(in.c_str(), &converted, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    if (rc != IDN2_OK || converted == nullptr) return invalid_argument("");
    out = converted;
    idn2_free(converted);
  }
  if (!valid_ascii_host(out)) return invalid_argument("");
  return out;
}

bool is_atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool valid_local_part(std::string_view l) {
  if (l.empty() || l.size() > 64 || l.front() == '.' || l.back() == '.') return false;
  if (l.find("..") != std::string_view::npos) return false;
  return std::all_of(l.begin(), l.end(), [](char c) { return c == '.' || is_atext(c); });
}

}  // namespace

Result<std::string> normalize_domain(std::string_view input, size_t record_prefix) {
  auto host = to_ascii_host(input);
  if (!host.ok() || host->size() > kMaxDnsNameText - std::min(record_prefix, kMaxDnsNameText)) {
    return invalid_argument("Invalid domain name " + std::string(input) + ".");
  }
  return host;
}

Result<std::string> normalize_email(std::string_view input) {
  auto bad = [&] { return invalid_argument("Invalid email address " + std::string(input) + "."); };
  size_t at = input.rfind('@');
  if (at == std::string_view::npos || input.size() > 320) return bad();
  std::string_view local = input.substr(0, at);
  if (!valid_local_part(local)) return bad();
  auto host = to_ascii_host(input.substr(at + 1));
  if (!host.ok()) return bad();
  return std::string(local) + "@" + *host;
}

Result<std::string> normalize_identity(std::string_view input) {
  return looks_like_email(input) ? normalize_email(input) : normalize_domain(input);
}

}  // namespace vouch::core
