#include "core/evidence.h"

#include <algorithm>

namespace vouch::core {

namespace {

constexpr size_t kMaxSeenChars = 100;

const char* kind_text(TxtAnswer::Kind k) {
  switch (k) {
    case TxtAnswer::Kind::kRecords: return "TXT records";
    case TxtAnswer::Kind::kNxDomain: return "NXDOMAIN";
    case TxtAnswer::Kind::kNoData: return "no TXT records";
    case TxtAnswer::Kind::kServFail: return "SERVFAIL";
    case TxtAnswer::Kind::kRefused: return "REFUSED";
    case TxtAnswer::Kind::kTimeout: return "timeout";
    case TxtAnswer::Kind::kError: return "error";
  }
  return "error";
}

PerspectiveEvidence read_answer(const TxtAnswer& a, const std::string& expected) {
  PerspectiveEvidence p;
  p.resolver = a.resolver;
  p.detail = kind_text(a.kind);
  switch (a.kind) {
    case TxtAnswer::Kind::kRecords:
      if (std::find(a.records.begin(), a.records.end(), expected) != a.records.end()) {
        p.result = PerspectiveEvidence::Result::kFound;
        return p;
      }
      if (a.records.empty()) {
        p.result = PerspectiveEvidence::Result::kAbsent;
        p.detail = kind_text(TxtAnswer::Kind::kNoData);
        return p;
      }
      p.result = PerspectiveEvidence::Result::kWrong;
      for (const auto& r : a.records) p.seen.push_back(r.substr(0, kMaxSeenChars));
      return p;
    case TxtAnswer::Kind::kNxDomain:
    case TxtAnswer::Kind::kNoData:
      p.result = PerspectiveEvidence::Result::kAbsent;
      return p;
    case TxtAnswer::Kind::kServFail:
    case TxtAnswer::Kind::kRefused:
    case TxtAnswer::Kind::kTimeout:
    case TxtAnswer::Kind::kError:
      p.result = PerspectiveEvidence::Result::kError;
      if (!a.error.empty()) p.detail += ": " + a.error;
      return p;
  }
  return p;
}

}  // namespace

size_t default_quorum(size_t n) {
  if (n <= 2) return n;
  if (n <= 5) return n - 1;
  return n - 2;
}

Evidence judge(const std::vector<TxtAnswer>& answers, const std::string& record_name,
               const std::string& expected, size_t quorum, TimePoint now) {
  Evidence e;
  e.at = now;
  e.record_name = record_name;
  e.expected = expected;
  e.quorum = std::clamp<size_t>(quorum, 1, std::max<size_t>(1, answers.size()));
  size_t found = 0, errors = 0;
  for (const auto& a : answers) {
    e.perspectives.push_back(read_answer(a, expected));
    if (e.perspectives.back().result == PerspectiveEvidence::Result::kFound) ++found;
    if (e.perspectives.back().result == PerspectiveEvidence::Result::kError) ++errors;
  }
  if (answers.empty()) e.outcome = Outcome::kResolverError;
  else if (found >= e.quorum) e.outcome = Outcome::kFound;
  else if (found + errors < e.quorum) e.outcome = Outcome::kAbsent;
  else e.outcome = Outcome::kResolverError;
  return e;
}

}  // namespace vouch::core
