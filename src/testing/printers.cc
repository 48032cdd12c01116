#include "testing/printers.h"

#include <chrono>
#include <cstdio>

namespace vouch::testing {

const char* to_string(core::ClaimKind k) {
  switch (k) {
    case core::ClaimKind::kSesDomain: return "SesDomain";
    case core::ClaimKind::kSesEmail: return "SesEmail";
    case core::ClaimKind::kLatticeDomain: return "LatticeDomain";
    case core::ClaimKind::kSesDkim: return "SesDkim";
    case core::ClaimKind::kSesDkimTxt: return "SesDkimTxt";
    case core::ClaimKind::kSesMailFromMx: return "SesMailFromMx";
    case core::ClaimKind::kSesMailFromSpf: return "SesMailFromSpf";
  }
  return "?";
}

const char* to_string(core::ClaimStatus s) {
  switch (s) {
    case core::ClaimStatus::kPending: return "Pending";
    case core::ClaimStatus::kVerified: return "Verified";
    case core::ClaimStatus::kUnconfirmed: return "Unconfirmed";
    case core::ClaimStatus::kFailed: return "Failed";
  }
  return "?";
}

const char* to_string(core::CheckOutcome o) {
  switch (o) {
    case core::CheckOutcome::kFound: return "Found";
    case core::CheckOutcome::kAbsent: return "Absent";
    case core::CheckOutcome::kResolverError: return "ResolverError";
  }
  return "?";
}

const char* to_string(core::RecordType t) {
  switch (t) {
    case core::RecordType::kTxt: return "TXT";
    case core::RecordType::kCname: return "CNAME";
    case core::RecordType::kMx: return "MX";
    case core::RecordType::kSpf: return "SPF";
  }
  return "?";
}

const char* to_string(core::CreateOutcome o) {
  switch (o) {
    case core::CreateOutcome::kCreated: return "Created";
    case core::CreateOutcome::kReplayed: return "Replayed";
    case core::CreateOutcome::kTokenMismatch: return "TokenMismatch";
    case core::CreateOutcome::kLiveDuplicate: return "LiveDuplicate";
    case core::CreateOutcome::kQuotaExceeded: return "QuotaExceeded";
    case core::CreateOutcome::kExisting: return "Existing";
  }
  return "?";
}

const char* to_string(core::Mail::State s) {
  switch (s) {
    case core::Mail::State::kQueued: return "Queued";
    case core::Mail::State::kSent: return "Sent";
    case core::Mail::State::kFailed: return "Failed";
  }
  return "?";
}

const char* to_string(core::SendResult::Kind k) {
  switch (k) {
    case core::SendResult::Kind::kAccepted: return "Accepted";
    case core::SendResult::Kind::kTransient: return "Transient";
    case core::SendResult::Kind::kPermanent: return "Permanent";
  }
  return "?";
}

std::string to_string(core::TimePoint t) {
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  const long long s = ns / 1'000'000'000, frac = ns % 1'000'000'000;
  char buf[48];
  if (frac == 0) {
    std::snprintf(buf, sizeof buf, "@%lld", s);
  } else {
    std::snprintf(buf, sizeof buf, "@%lld.%09lld", s, frac < 0 ? -frac : frac);
  }
  return buf;
}

std::string to_string(const std::optional<core::TimePoint>& t) {
  return t ? to_string(*t) : "none";
}

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + v[i];
  return out + "]";
}

std::string tags_of(const core::Tags& tags) {
  std::string out = "{";
  for (const auto& [k, v] : tags) out += (out.size() > 1 ? "," : "") + k + "=" + v;
  return out + "}";
}

}  // namespace

std::string to_string(const core::Claim& c) {
  return "{id=" + c.id + " scope=" + c.scope.account_id + "/" + c.scope.region +
         " kind=" + to_string(c.kind) + " subject=" + c.subject + " record_name=" + c.record_name +
         " token=" + c.token + " status=" + to_string(c.status) +
         " created_at=" + to_string(c.created_at) + " deadline=" + to_string(c.deadline) +
         " next_check_at=" + to_string(c.next_check_at) +
         " last_verified_at=" + to_string(c.last_verified_at) +
         " absent_since=" + to_string(c.absent_since) + " attempts=" + std::to_string(c.attempts) +
         " dkim_tokens=" + join(c.dkim_tokens) + " tags=" + tags_of(c.tags) +
         " reject_on_mx_failure=" + (c.reject_on_mx_failure ? "true" : "false") +
         " seq=" + std::to_string(c.seq) + " version=" + std::to_string(c.version) + "}";
}

::testing::AssertionResult same_claim(const core::Claim& got, const core::Claim& want) {
  std::string diff;
  auto field = [&](const char* name, bool same, const std::string& g, const std::string& w) {
    if (!same) diff += std::string("\n  ") + name + ": got " + g + ", want " + w;
  };
  field("id", got.id == want.id, got.id, want.id);
  field("scope", got.scope == want.scope, got.scope.account_id + "/" + got.scope.region,
        want.scope.account_id + "/" + want.scope.region);
  field("kind", got.kind == want.kind, to_string(got.kind), to_string(want.kind));
  field("subject", got.subject == want.subject, got.subject, want.subject);
  field("record_name", got.record_name == want.record_name, got.record_name, want.record_name);
  field("token", got.token == want.token, got.token, want.token);
  field("status", got.status == want.status, to_string(got.status), to_string(want.status));
  field("created_at", got.created_at == want.created_at, to_string(got.created_at),
        to_string(want.created_at));
  field("deadline", got.deadline == want.deadline, to_string(got.deadline),
        to_string(want.deadline));
  field("next_check_at", got.next_check_at == want.next_check_at, to_string(got.next_check_at),
        to_string(want.next_check_at));
  field("last_verified_at", got.last_verified_at == want.last_verified_at,
        to_string(got.last_verified_at), to_string(want.last_verified_at));
  field("absent_since", got.absent_since == want.absent_since, to_string(got.absent_since),
        to_string(want.absent_since));
  field("attempts", got.attempts == want.attempts, std::to_string(got.attempts),
        std::to_string(want.attempts));
  field("dkim_tokens", got.dkim_tokens == want.dkim_tokens, join(got.dkim_tokens),
        join(want.dkim_tokens));
  field("tags", got.tags == want.tags, tags_of(got.tags), tags_of(want.tags));
  field("reject_on_mx_failure", got.reject_on_mx_failure == want.reject_on_mx_failure,
        got.reject_on_mx_failure ? "true" : "false", want.reject_on_mx_failure ? "true" : "false");
  field("seq", got.seq == want.seq, std::to_string(got.seq), std::to_string(want.seq));
  field("version", got.version == want.version, std::to_string(got.version),
        std::to_string(want.version));
  if (diff.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "claims differ (" << got.id << "):" << diff;
}

}  // namespace vouch::testing

namespace vouch::core {
void PrintTo(ClaimKind k, std::ostream* os) { *os << testing::to_string(k); }
void PrintTo(ClaimStatus s, std::ostream* os) { *os << testing::to_string(s); }
void PrintTo(CheckOutcome o, std::ostream* os) { *os << testing::to_string(o); }
void PrintTo(RecordType t, std::ostream* os) { *os << testing::to_string(t); }
void PrintTo(CreateOutcome o, std::ostream* os) { *os << testing::to_string(o); }
void PrintTo(Mail::State s, std::ostream* os) { *os << testing::to_string(s); }
void PrintTo(SendResult::Kind k, std::ostream* os) { *os << testing::to_string(k); }
void PrintTo(const Scope& s, std::ostream* os) { *os << s.account_id << "/" << s.region; }
void PrintTo(const Claim& c, std::ostream* os) { *os << testing::to_string(c); }
}  // namespace vouch::core
