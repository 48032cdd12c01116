#include "api/common/form.h"

#include <algorithm>
#include <charconv>

namespace vouch::api {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> url_decode(std::string_view in, bool plus_is_space) {
  // Most names and values need no decoding: copy them whole.
  if (std::none_of(in.begin(), in.end(),
                   [&](char c) { return c == '%' || (c == '+' && plus_is_space); })) {
    return std::string(in);
  }
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

const std::string* FormParams::get(std::string_view name) const {
  for (const auto& [k, v] : items) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::vector<std::string> FormParams::list(std::string_view prefix) const {
  // Slot by index, then read 1, 2, 3 ... until the first gap. An index above
  // the number of items lies past a gap, so it needs no slot.
  std::vector<const std::string*> by_index(items.size() + 1, nullptr);
  constexpr std::string_view kMember = ".member.";
  const size_t head = prefix.size() + kMember.size();
  for (const auto& [k, v] : items) {
    const std::string_view key = k;
    if (key.size() <= head || !key.starts_with(prefix) ||
        key.substr(prefix.size(), kMember.size()) != kMember) {
      continue;
    }
    size_t idx = 0;
    auto [end, ec] = std::from_chars(k.data() + head, k.data() + k.size(), idx);
    if (ec == std::errc() && end == k.data() + k.size() && idx > 0 && idx < by_index.size() &&
        !by_index[idx]) {
      by_index[idx] = &v;  // the first value wins, as get() does
    }
  }
  std::vector<std::string> out;
  for (size_t i = 1; i < by_index.size() && by_index[i]; ++i) out.push_back(*by_index[i]);
  return out;
}

std::optional<FormParams> parse_form(std::string_view body, bool plus_is_space) {
  FormParams p;
  if (body.empty()) return p;
  // One allocation for a usual form; capped, since a pair costs 64 bytes and
  // an '&' one.
  const auto pairs = static_cast<size_t>(std::count(body.begin(), body.end(), '&')) + 1;
  p.items.reserve(std::min<size_t>(pairs, 64));
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view pair = body.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      auto key = url_decode(pair.substr(0, eq), plus_is_space);
      auto value = url_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1),
                              plus_is_space);
      if (!key || !value) return std::nullopt;
      p.items.emplace_back(std::move(*key), std::move(*value));
    }
    start = end + 1;
  }
  return p;
}

}  // namespace vouch::api
