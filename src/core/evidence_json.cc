#include "core/evidence_json.h"

#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/rfc3339.h"

namespace vouch::core {

namespace {

// TXT records hold arbitrary bytes, and JSON text must be UTF-8: dump() throws
// on anything else (on a writer thread, that would end the process). Invalid
// sequences become U+FFFD.
std::string utf8(const std::string& s) {
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};  // shortest form per length
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80           ? 1
                     : (c >> 5) == 0x6  ? 2
                     : (c >> 4) == 0xE  ? 3
                     : (c >> 3) == 0x1E ? 4
                                        : 0;
    bool ok = n > 0 && i + n <= s.size();
    if (ok && n > 1) {
      uint32_t cp = c & (0x7Fu >> n);
      for (size_t k = 1; ok && k < n; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        ok = (cc & 0xC0) == 0x80;
        cp = (cp << 6) | (cc & 0x3F);
      }
      ok = ok && cp >= kMin[n] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (ok) {
      out.append(s, i, n);
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

// Whether none of the 8 bytes in `w` ends a plain run: a control character,
// '"' or backslash, and with `ascii_only` a byte >= 0x80 too. Eight bytes at
// a time (bit tricks: a subtraction borrows into the top bit of a byte below
// the bound), since the evidence of every check is encoded on the sweep's
// recording threads.
bool plain_block(uint64_t w, bool ascii_only) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  auto any_below = [&](uint64_t x, uint64_t n) { return (x - kOnes * n) & ~x & kHigh; };
  const uint64_t special = any_below(w, 0x20) | any_below(w ^ (kOnes * '"'), 1) |
                           any_below(w ^ (kOnes * '\\'), 1) | (ascii_only ? w & kHigh : 0);
  return special == 0;
}

// The length of the run at the start of `s` that goes out as it is.
size_t plain_prefix(std::string_view s, bool ascii_only) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (!plain_block(w, ascii_only)) break;
  }
  for (; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == '"' || c == '\\' || (ascii_only && c >= 0x80)) break;
  }
  return i;
}

// Appends `s` as a JSON string the way nlohmann's dump() writes it: UTF-8
// kept, '"' and backslash escaped, control characters as \b \f \n \r \t or \u00XX.
void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (;;) {
    const size_t plain = plain_prefix(s, false);
    out.append(s.data(), plain);
    if (plain == s.size()) break;
    const auto c = static_cast<unsigned char>(s[plain]);
    s.remove_prefix(plain + 1);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
  }
  out += '"';
}

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// Any bytes as a JSON string: printable ASCII (nearly always) as it is after
// one pass, other ASCII escaped, anything else through utf8() first.
void append_json_text(std::string& out, const std::string& s) {
  const size_t plain = plain_prefix(s, true);
  if (plain == s.size()) {
    out += '"';
    out += s;
    out += '"';
  } else if (is_ascii(std::string_view(s).substr(plain))) {
    append_json_string(out, s);
  } else {
    append_json_string(out, utf8(s));
  }
}

}  // namespace

std::string evidence_text(const Evidence& e) {
  // Keys in the order dump() sorts them.
  std::string out;
  out.reserve(256 + 160 * e.perspectives.size());
  out += "{\"at\":";
  append_json_string(out, format_rfc3339(e.at));
  out += ",\"expected\":";
  append_json_text(out, e.expected);
  out += ",\"outcome\":";
  append_json_string(out, outcome_name(e.outcome));
  out += ",\"perspectives\":[";
  for (size_t i = 0; i < e.perspectives.size(); ++i) {
    const auto& p = e.perspectives[i];
    if (i) out += ',';
    out += "{\"detail\":";
    append_json_text(out, p.detail);
    out += ",\"resolver\":";
    append_json_text(out, p.resolver);
    out += ",\"result\":";
    append_json_string(out, result_name(p.result));
    if (!p.seen.empty()) {
      out += ",\"seen\":[";
      for (size_t k = 0; k < p.seen.size(); ++k) {
        if (k) out += ',';
        append_json_text(out, p.seen[k]);
      }
      out += ']';
    }
    out += '}';
  }
  out += "],\"quorum\":";
  out += std::to_string(e.quorum);
  out += ",\"record_name\":";
  append_json_text(out, e.record_name);
  if (e.soa) {
    out += ",\"soa\":{\"admin\":";
    append_json_text(out, e.soa->admin);
    out += ",\"primary_ns\":";
    append_json_text(out, e.soa->primary_ns);
    out += ",\"serial\":";
    out += std::to_string(e.soa->serial);
    out += '}';
  }
  out += '}';
  return out;
}

std::string outcome_name(CheckOutcome o) {
  switch (o) {
    case CheckOutcome::kFound: return "found";
    case CheckOutcome::kAbsent: return "absent";
    case CheckOutcome::kResolverError: return "resolver_error";
  }
  return "resolver_error";
}

std::string result_name(PerspectiveEvidence::Result r) {
  switch (r) {
    case PerspectiveEvidence::Result::kFound: return "found";
    case PerspectiveEvidence::Result::kAbsent: return "absent";
    case PerspectiveEvidence::Result::kWrong: return "wrong";
    case PerspectiveEvidence::Result::kError: return "error";
  }
  return "error";
}

nlohmann::json evidence_to_json(const Evidence& e) {
  nlohmann::json perspectives = nlohmann::json::array();
  for (const auto& p : e.perspectives) {
    nlohmann::json j{{"resolver", utf8(p.resolver)},
                     {"result", result_name(p.result)},
                     {"detail", utf8(p.detail)}};
    if (!p.seen.empty()) {
      j["seen"] = nlohmann::json::array();
      for (const auto& v : p.seen) j["seen"].push_back(utf8(v));
    }
    perspectives.push_back(std::move(j));
  }
  nlohmann::json out{
      {"at", format_rfc3339(e.at)},         {"record_name", utf8(e.record_name)},
      {"expected", utf8(e.expected)},       {"quorum", e.quorum},
      {"outcome", outcome_name(e.outcome)}, {"perspectives", std::move(perspectives)}};
  if (e.soa) {
    out["soa"] = {{"primary_ns", utf8(e.soa->primary_ns)},
                  {"admin", utf8(e.soa->admin)},
                  {"serial", e.soa->serial}};
  }
  return out;
}

namespace {

CheckOutcome outcome_of(const std::string& name) {
  if (name == "found") return CheckOutcome::kFound;
  if (name == "absent") return CheckOutcome::kAbsent;
  return CheckOutcome::kResolverError;
}

PerspectiveEvidence::Result result_of(const std::string& name) {
  if (name == "found") return PerspectiveEvidence::Result::kFound;
  if (name == "absent") return PerspectiveEvidence::Result::kAbsent;
  if (name == "wrong") return PerspectiveEvidence::Result::kWrong;
  return PerspectiveEvidence::Result::kError;
}

}  // namespace

std::optional<Evidence> evidence_from_text(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto at = j.find("at");
  auto perspectives = j.find("perspectives");
  if (at == j.end() || !at->is_string() || perspectives == j.end() || !perspectives->is_array()) {
    return std::nullopt;
  }
  auto when = parse_rfc3339(at->get<std::string>());
  if (!when) return std::nullopt;
  auto text_of = [](const nlohmann::json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  Evidence e;
  e.at = *when;
  e.record_name = text_of(j, "record_name");
  e.expected = text_of(j, "expected");
  auto quorum = j.find("quorum");
  e.quorum = quorum != j.end() && quorum->is_number_unsigned() ? quorum->get<size_t>() : 0;
  e.outcome = outcome_of(text_of(j, "outcome"));
  for (const auto& p : *perspectives) {
    if (!p.is_object()) return std::nullopt;
    PerspectiveEvidence pe;
    pe.resolver = text_of(p, "resolver");
    pe.result = result_of(text_of(p, "result"));
    pe.detail = text_of(p, "detail");
    if (auto seen = p.find("seen"); seen != p.end() && seen->is_array()) {
      for (const auto& v : *seen) {
        if (v.is_string()) pe.seen.push_back(v.get<std::string>());
      }
    }
    e.perspectives.push_back(std::move(pe));
  }
  if (auto soa = j.find("soa"); soa != j.end() && soa->is_object()) {
    auto serial = soa->find("serial");
    e.soa = Soa{text_of(*soa, "primary_ns"), text_of(*soa, "admin"),
                serial != soa->end() && serial->is_number_unsigned() ? serial->get<uint32_t>() : 0};
  }
  return e;
}

}  // namespace vouch::core
