#include "core/evidence.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "core/dkim_key.h"

namespace vouch::core {

namespace {

constexpr size_t kMaxSeenChars = 100;

const char* kind_text(DnsAnswer::Kind k, RecordType type) {
  const bool cname = type == RecordType::kCname;
  const bool mx = type == RecordType::kMx;
  switch (k) {
    case DnsAnswer::Kind::kRecords:
      return cname ? "CNAME records" : mx ? "MX records" : "TXT records";
    case DnsAnswer::Kind::kNxDomain: return "NXDOMAIN";
    case DnsAnswer::Kind::kNoData:
      return cname ? "no CNAME records" : mx ? "no MX records" : "no TXT records";
    case DnsAnswer::Kind::kServFail: return "SERVFAIL";
    case DnsAnswer::Kind::kRefused: return "REFUSED";
    case DnsAnswer::Kind::kTimeout: return "timeout";
    case DnsAnswer::Kind::kError: return "error";
    case DnsAnswer::Kind::kBadName: return "not a valid DNS name";
  }
  return "error";
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// DNS names compare without case and without the root's trailing dot.
bool same_name(std::string_view a, std::string_view b) {
  if (!a.empty() && a.back() == '.') a.remove_suffix(1);
  if (!b.empty() && b.back() == '.') b.remove_suffix(1);
  return iequals(a, b);
}

// The first `max` characters of UTF-8 text, never ending inside a character:
// a cut counted in bytes split a multi-byte character, which then showed as
// U+FFFD. Bytes that are not UTF-8 count one each.
std::string first_chars(const std::string& s, size_t max) {
  size_t chars = 0;
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF8 ? 4 : 1;
    size_t k = 1;  // continuation bytes that really follow
    while (k < n && i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80) ++k;
    if (k < n) n = 1;  // a broken sequence: its lead byte counts alone
    if (chars == max) break;
    ++chars;
    i += n;
  }
  return s.substr(0, i);
}

// How a record is compared with the expected value: by record type, or as
// a DKIM key record (BYODKIM).
struct Match {
  RecordType type = RecordType::kTxt;
  bool dkim_key = false;
  bool operator()(const std::vector<std::string>& records, const std::string& expected) const {
    if (!dkim_key) return matches(records, expected, type);
    return std::any_of(records.begin(), records.end(),
                       [&](const std::string& r) { return dkim_key_matches(r, expected); });
  }
};

Match match_for(ClaimKind kind) { return {record_type(kind), kind == ClaimKind::kSesDkimTxt}; }

PerspectiveEvidence read_answer(const DnsAnswer& a, const std::string& expected, Match match) {
  const RecordType type = match.type;
  PerspectiveEvidence p;
  p.resolver = a.resolver;
  p.detail = kind_text(a.kind, type);
  switch (a.kind) {
    case DnsAnswer::Kind::kRecords:
      if (match(a.records, expected)) {
        p.result = PerspectiveEvidence::Result::kFound;
        return p;
      }
      if (a.records.empty()) {
        p.result = PerspectiveEvidence::Result::kAbsent;
        p.detail = kind_text(DnsAnswer::Kind::kNoData, type);
        return p;
      }
      p.result = PerspectiveEvidence::Result::kWrong;
      for (const auto& r : a.records) p.seen.push_back(first_chars(r, kMaxSeenChars));
      return p;
    case DnsAnswer::Kind::kNxDomain:
    case DnsAnswer::Kind::kNoData:
    case DnsAnswer::Kind::kBadName: p.result = PerspectiveEvidence::Result::kAbsent; return p;
    case DnsAnswer::Kind::kServFail:
    case DnsAnswer::Kind::kRefused:
    case DnsAnswer::Kind::kTimeout:
    case DnsAnswer::Kind::kError:
      p.result = PerspectiveEvidence::Result::kError;
      if (!a.error.empty()) p.detail += ": " + a.error;
      return p;
  }
  return p;
}

// An MX record "<preference> <exchange>": whether its exchange is `name`.
bool mx_points_to(std::string_view record, std::string_view name) {
  const size_t space = record.find(' ');
  return space != std::string_view::npos && same_name(record.substr(space + 1), name);
}

// An SPF record (RFC 7208: "v=spf1" then space-separated terms) holding the
// mechanism `mechanism` with the pass qualifier, written or implied.
bool spf_has(std::string_view record, std::string_view mechanism) {
  constexpr std::string_view kVersion = "v=spf1";
  if (record.size() < kVersion.size() || !iequals(record.substr(0, kVersion.size()), kVersion))
    return false;
  record.remove_prefix(kVersion.size());
  if (!record.empty() && record.front() != ' ') return false;  // "v=spf10" is not SPF
  while (!record.empty()) {
    const size_t start = record.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    record.remove_prefix(start);
    const size_t end = std::min(record.find(' '), record.size());
    std::string_view term = record.substr(0, end);
    record.remove_prefix(end);
    if (!term.empty() && term.front() == '+') term.remove_prefix(1);
    if (iequals(term, mechanism)) return true;
  }
  return false;
}

}  // namespace

bool matches(const std::vector<std::string>& records, const std::string& expected,
             RecordType type) {
  auto any = [&](auto pred) { return std::any_of(records.begin(), records.end(), pred); };
  switch (type) {
    case RecordType::kTxt:
      return std::find(records.begin(), records.end(), expected) != records.end();
    case RecordType::kCname:
      return any([&](const std::string& r) { return same_name(r, expected); });
    case RecordType::kMx:
      return any([&](const std::string& r) { return mx_points_to(r, expected); });
    case RecordType::kSpf: return any([&](const std::string& r) { return spf_has(r, expected); });
  }
  return false;
}

bool matches(const std::vector<std::string>& records, const std::string& expected, ClaimKind kind) {
  return match_for(kind)(records, expected);
}

RecordType record_type(ClaimKind kind) {
  switch (kind) {
    case ClaimKind::kSesDkim: return RecordType::kCname;
    case ClaimKind::kSesMailFromMx: return RecordType::kMx;
    case ClaimKind::kSesMailFromSpf: return RecordType::kSpf;
    default: return RecordType::kTxt;
  }
}

size_t default_quorum(size_t n) {
  if (n <= 2) return n;
  if (n <= 5) return n - 1;
  return n - 2;
}

namespace {

Evidence judge_with(const std::vector<DnsAnswer>& answers, const std::string& record_name,
                    const std::string& expected, size_t quorum, TimePoint now, Match match) {
  Evidence e;
  e.at = now;
  e.record_name = record_name;
  e.expected = expected;
  e.quorum = std::clamp<size_t>(quorum, 1, std::max<size_t>(1, answers.size()));
  size_t found = 0, errors = 0;
  for (const auto& a : answers) {
    e.perspectives.push_back(read_answer(a, expected, match));
    if (e.perspectives.back().result == PerspectiveEvidence::Result::kFound) ++found;
    if (e.perspectives.back().result == PerspectiveEvidence::Result::kError) ++errors;
    if (!e.soa && a.soa) e.soa = a.soa;
  }
  if (answers.empty()) e.outcome = CheckOutcome::kResolverError;
  else if (found >= e.quorum) e.outcome = CheckOutcome::kFound;
  else if (found + errors < e.quorum) e.outcome = CheckOutcome::kAbsent;
  else e.outcome = CheckOutcome::kResolverError;
  return e;
}

}  // namespace

Evidence judge(const std::vector<DnsAnswer>& answers, const std::string& record_name,
               const std::string& expected, size_t quorum, TimePoint now, RecordType type) {
  return judge_with(answers, record_name, expected, quorum, now, Match{type, false});
}

Evidence judge(const std::vector<DnsAnswer>& answers, const std::string& record_name,
               const std::string& expected, size_t quorum, TimePoint now, ClaimKind kind) {
  return judge_with(answers, record_name, expected, quorum, now, match_for(kind));
}

}  // namespace vouch::core
