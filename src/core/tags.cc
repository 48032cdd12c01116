#include "core/tags.h"

namespace vouch::core {

namespace {

constexpr std::string_view kTagPattern = "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$";

bool allowed_ascii(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' ||
         c == '\t' ||
         std::string_view("_.:/=+-@").find(static_cast<char>(c)) != std::string_view::npos;
}

bool allowed_chars(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x80 && !allowed_ascii(c)) return false;
  }
  return true;
}

Error bad(std::string_view value, std::string_view field, std::string_view rule) {
  return invalid_argument(constraint_message(value, field, rule), std::string(field));
}

Status check_key(const std::string& key, std::string_view field) {
  long n = utf8_length(key);
  if (n < 1 || n > 128) {
    return bad(key, field, "Member must have length between 1 and 128");
  }
  if (!allowed_chars(key)) {
    return bad(key, field,
               "Member must satisfy regular expression pattern: " + std::string(kTagPattern));
  }
  if (key.rfind("aws:", 0) == 0) return bad(key, field, "Tag keys must not start with 'aws:'");
  return {};
}

}  // namespace

std::string constraint_message(std::string_view value, std::string_view field,
                               std::string_view rule) {
  return "1 validation error detected: Value '" + std::string(value) + "' at '" +
         std::string(field) + "' failed to satisfy constraint: " + std::string(rule);
}

long utf8_length(std::string_view s) {
  long n = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return -1;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return -1;
    }
    i += len;
    ++n;
  }
  return n;
}

Status validate_tags(const Tags& tags, std::string_view field) {
  if (tags.size() > kMaxTagsPerResource) {
    return invalid_argument("1 validation error detected: Value at '" + std::string(field) +
                                "' failed to satisfy constraint: Member must have length less "
                                "than or equal to " +
                                std::to_string(kMaxTagsPerResource),
                            std::string(field));
  }
  for (const auto& [key, value] : tags) {
    if (auto s = check_key(key, std::string(field) + "." + key); !s.ok()) return s;
    long n = utf8_length(value);
    const std::string where = std::string(field) + "." + key;
    if (n < 0 || n > 256)
      return bad(value, where, "Member must have length less than or equal to 256");
    if (!allowed_chars(value)) {
      return bad(value, where,
                 "Member must satisfy regular expression pattern: " + std::string(kTagPattern));
    }
  }
  return {};
}

Status validate_tag_keys(const std::vector<std::string>& keys, std::string_view field) {
  if (keys.size() > kMaxTagKeysPerCall) {
    return invalid_argument("1 validation error detected: Value at '" + std::string(field) +
                                "' failed to satisfy constraint: Member must have length less "
                                "than or equal to " +
                                std::to_string(kMaxTagKeysPerCall),
                            std::string(field));
  }
  for (const auto& key : keys) {
    if (auto s = check_key(key, field); !s.ok()) return s;
  }
  return {};
}

Tags user_tags(const Tags& tags) {
  Tags out;
  for (const auto& [k, v] : tags) {
    if (k.rfind("aws:", 0) != 0) out.emplace(k, v);
  }
  return out;
}

Status merge_tags(Tags& into, const Tags& add, std::string_view field) {
  Tags merged = into;
  for (const auto& [k, v] : add) merged[k] = v;
  if (user_tags(merged).size() > kMaxTagsPerResource) {
    return invalid_argument(
        "A resource can have at most " + std::to_string(kMaxTagsPerResource) + " tags.",
        std::string(field));
  }
  into = std::move(merged);
  return {};
}

}  // namespace vouch::core
