#include "core/dkim_key.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace vouch::core {

namespace {

bool space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string without_space(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (!space(c)) out.push_back(c);
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string> dkim_public_key(std::string_view record) {
  std::optional<std::string> key;
  std::set<std::string_view> names;
  while (!record.empty()) {
    const size_t semi = record.find(';');
    const std::string_view tag = trim(record.substr(0, semi));
    record = semi == std::string_view::npos ? std::string_view() : record.substr(semi + 1);
    if (tag.empty()) continue;  // a trailing or doubled ';'
    const size_t eq = tag.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string_view name = trim(tag.substr(0, eq));
    const std::string value = without_space(tag.substr(eq + 1));
    if (!names.insert(name).second) return std::nullopt;
    if (name == "v" && value != "DKIM1") return std::nullopt;
    if (name == "k" && value != "rsa") return std::nullopt;
    if (name == "p") key = value;
  }
  return key;
}

bool dkim_key_matches(std::string_view record, std::string_view expected) {
  const std::string want = without_space(expected);
  if (want.empty()) return false;
  const auto key = dkim_public_key(record);
  return key && *key == want;
}

std::string dkim_key_record(std::string_view key) {
  return "v=DKIM1; k=rsa; p=" + std::string(key);
}

}  // namespace vouch::core
