#include "service/verification_info.h"

#include <algorithm>
#include <memory>
#include <string_view>

namespace vouch::service {

namespace {

using Result = core::PerspectiveEvidence::Result;

bool starts_with(std::string_view s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

// An error the DNS server answered (or did not answer in time), as opposed
// to one of vouch's or c-ares's own.
bool server_error(std::string_view detail) {
  return starts_with(detail, "SERVFAIL") || starts_with(detail, "REFUSED") ||
         starts_with(detail, "timeout") ||
         starts_with(detail, "error: Could not contact DNS servers");  // ECONNREFUSED
}

}  // namespace

bool ever_checked(const core::Claim& c) {
  return c.status != core::ClaimStatus::kPending || c.attempts > 0 ||
         c.last_verified_at.has_value() || c.absent_since.has_value();
}

std::optional<VerificationError> verification_error(const core::Evidence& e) {
  const auto& ps = e.perspectives;
  auto any = [&ps](auto pred) { return std::any_of(ps.begin(), ps.end(), pred); };
  switch (e.outcome) {
    case core::CheckOutcome::kFound: return std::nullopt;
    case core::CheckOutcome::kAbsent:
      // A wrong value says the most; then a name that exists (NODATA).
      if (any([](const auto& p) { return p.result == Result::kWrong; }))
        return VerificationError::kInvalidValue;
      if (any([](const auto& p) {
            return p.result == Result::kAbsent && starts_with(p.detail, "no ");
          })) {
        return VerificationError::kTypeNotFound;
      }
      return VerificationError::kHostNotFound;
    case core::CheckOutcome::kResolverError:
      if (any([](const auto& p) { return p.result == Result::kError && server_error(p.detail); }))
        return VerificationError::kDnsServerError;
      return VerificationError::kServiceError;
  }
  return VerificationError::kServiceError;
}

VerificationInfo verification_info(core::ClaimStatus status,
                                   const std::vector<const core::Evidence*>& evidence,
                                   std::optional<core::TimePoint> last_success) {
  VerificationInfo out;
  out.last_success = last_success;
  const core::Evidence* failing = nullptr;
  const core::Evidence* with_soa = nullptr;
  for (const core::Evidence* e : evidence) {
    if (!out.last_checked || e->at > *out.last_checked) out.last_checked = e->at;
    if (e->outcome != core::CheckOutcome::kFound && (!failing || e->at > failing->at)) failing = e;
    if (e->soa && (!with_soa || e->at > with_soa->at)) with_soa = e;
  }
  if (failing && status != core::ClaimStatus::kVerified) {
    out.error = verification_error(*failing);
    if (failing->soa) with_soa = failing;
  }
  if (with_soa) out.soa = with_soa->soa;
  return out;
}

VerificationInfo verification_info(core::ClaimStatus status,
                                   const std::vector<core::Evidence>& evidence,
                                   std::optional<core::TimePoint> last_success) {
  std::vector<const core::Evidence*> each;
  each.reserve(evidence.size());
  for (const auto& e : evidence) each.push_back(&e);
  return verification_info(status, each, last_success);
}

core::Result<VerificationInfo> read_verification_info(
    core::ClaimStore& store, const core::Claim& identity, core::ClaimStatus status,
    std::optional<core::TimePoint> last_success, const std::vector<core::Claim>* dkim_records) {
  if (identity.kind == core::ClaimKind::kSesEmail) {
    VerificationInfo out;
    out.last_success = last_success;
    out.last_checked = identity.last_verified_at;
    return out;
  }
  std::vector<std::string> ids;
  if (ever_checked(identity)) ids.push_back(identity.id);
  if (!identity.dkim_tokens.empty()) {
    std::vector<core::Claim> read;
    if (!dkim_records) {
      auto records = store.find_claims(identity.scope, core::ClaimKind::kSesDkim,
                                       {identity.subject});
      if (!records.ok()) return records.error();
      read = std::move(*records);
      dkim_records = &read;
    }
    for (const auto& r : *dkim_records) {  // three per domain
      if (ever_checked(r)) ids.push_back(r.id);
    }
  }
  // Decoded, and shared with the cache that keeps it (CachingStore).
  std::vector<std::shared_ptr<const core::Evidence>> held;
  std::vector<const core::Evidence*> evidence;
  for (const auto& id : ids) {
    auto e = store.last_evidence_decoded(id);
    if (!e.ok()) return e.error();
    if (!*e) continue;
    evidence.push_back(e->get());
    held.push_back(std::move(*e));
  }
  return verification_info(status, evidence, last_success);
}

}  // namespace vouch::service
