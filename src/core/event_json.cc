#include "core/event_json.h"

#include <array>
#include <charconv>

#include "core/arn.h"
#include "core/claim_names.h"
#include "core/rfc3339.h"

namespace vouch::core {

namespace {

constexpr std::array<std::string_view, 4> kTypes = {
    "ses.identity.status_changed", "ses.dkim.status_changed", "ses.mail_from.status_changed",
    "vpc-lattice.domain_verification.status_changed"};

// SES v1's names (GetIdentityVerificationAttributes, ...DkimAttributes,
// ...MailFromDomainAttributes) and Lattice's.
std::string_view status_name(ClaimKind k, ClaimStatus s) {
  if (k == ClaimKind::kLatticeDomain) {
    switch (s) {
      case ClaimStatus::kPending: return "PENDING";
      case ClaimStatus::kVerified:
      case ClaimStatus::kUnconfirmed: return "VERIFIED";
      case ClaimStatus::kFailed: return "VERIFICATION_TIMED_OUT";
    }
  }
  switch (s) {
    case ClaimStatus::kPending: return "Pending";
    case ClaimStatus::kVerified: return "Success";
    case ClaimStatus::kUnconfirmed: return "TemporaryFailure";
    case ClaimStatus::kFailed: return "Failed";
  }
  return "Pending";
}

}  // namespace

std::string event_type(ClaimKind kind) {
  switch (kind) {
    case ClaimKind::kSesDomain:
    case ClaimKind::kSesEmail: return std::string(kTypes[0]);
    case ClaimKind::kSesDkim:
    case ClaimKind::kSesDkimTxt: return std::string(kTypes[1]);
    case ClaimKind::kSesMailFromMx:
    case ClaimKind::kSesMailFromSpf: return std::string(kTypes[2]);
    case ClaimKind::kLatticeDomain: return std::string(kTypes[3]);
  }
  return std::string(kTypes[0]);
}

bool is_event_type(std::string_view type) {
  for (auto t : kTypes) {
    if (t == type) return true;
  }
  return false;
}

std::string event_id(int64_t seq) { return "evt-" + std::to_string(seq); }

std::optional<int64_t> event_seq(std::string_view id) {
  if (id.substr(0, 4) != "evt-") return std::nullopt;
  int64_t seq = 0;
  auto [end, ec] = std::from_chars(id.data() + 4, id.data() + id.size(), seq);
  if (ec != std::errc() || end != id.data() + id.size() || seq < 0) return std::nullopt;
  return seq;
}

nlohmann::json event_json(const Event& e) {
  nlohmann::json resource;
  if (e.kind == ClaimKind::kLatticeDomain) {
    resource = {{"domainVerificationId", e.claim_id},
                {"arn", domain_verification_arn(e.scope, e.claim_id)},
                {"domainName", e.subject}};
  } else {
    resource = {{"identity", e.subject}};
  }
  nlohmann::json j{{"id", event_id(e.seq)},
                   {"type", event_type(e.kind)},
                   {"time", format_rfc3339(e.change.at)},
                   {"account_id", e.scope.account_id},
                   {"region", e.scope.region},
                   {"claim_id", e.claim_id},
                   {"claim_kind", claim_kind_name(e.kind)},
                   {"resource", std::move(resource)},
                   {"old_status", status_name(e.kind, e.change.from)},
                   {"new_status", status_name(e.kind, e.change.to)}};
  if (e.evidence) {
    auto parsed = nlohmann::json::parse(*e.evidence, nullptr, false);
    j["evidence"] = parsed.is_discarded() ? nlohmann::json(*e.evidence) : std::move(parsed);
  }
  return j;
}

}  // namespace vouch::core
