// SES v2's VerificationInfo of an identity, read from the last evidence of
// the claims that verify it (its TXT record, its DKIM records): when it was
// last checked, what went wrong (AWS's VerificationError) and the SOA of the
// zone that answered. Pure.
#pragma once

#include <optional>
#include <vector>

#include "core/claim.h"
#include "core/error.h"
#include "core/evidence.h"
#include "core/store.h"

namespace vouch::service {

// AWS's VerificationError values vouch can produce (the REPLICATION_* ones
// are about cross-Region DKIM, which vouch does not have).
enum class VerificationError {
  kHostNotFound,    // NXDOMAIN at the record's name
  kTypeNotFound,    // the name exists, without a record of the type
  kInvalidValue,    // a record of the type, not the expected value
  kDnsServerError,  // SERVFAIL, REFUSED, timeouts
  kServiceError,    // vouch's own failure (or its resolver library's)
};

struct VerificationInfo {
  std::optional<core::TimePoint> last_checked;
  std::optional<core::TimePoint> last_success;
  std::optional<VerificationError> error;  // none while verified
  std::optional<core::Soa> soa;
};

// Whether a check has moved the claim since its window opened (it then has
// evidence): a pending claim counts an attempt per check that did not find
// its record; any other status came from a check (or the test status route,
// which writes evidence too). Unchecked claims skip the
// evidence read (a GetEmailIdentity right after a create reads none).
bool ever_checked(const core::Claim& c);

// What went wrong in one check; nullopt when it found the record.
std::optional<VerificationError> verification_error(const core::Evidence& e);

// The identity's info from the last evidence of each claim that verifies it
// (the identity's own first, then its DKIM records; none for claims never
// checked). The error comes from the latest check that did not find its
// record (the first such on a tie), unless `status` is verified; the SOA
// from that check, else from the latest one that learnt one.
VerificationInfo verification_info(core::ClaimStatus status,
                                   const std::vector<core::Evidence>& evidence,
                                   std::optional<core::TimePoint> last_success);
VerificationInfo verification_info(core::ClaimStatus status,
                                   const std::vector<const core::Evidence*>& evidence,
                                   std::optional<core::TimePoint> last_success);

// The same for a stored SES identity: reads the last evidence of the claim
// and of its domain's DKIM records (the CNAME claims: `dkim_records` when
// the caller has read them, else read here). An email address has no DNS
// evidence: it was last checked (and verified) when its link was followed.
core::Result<VerificationInfo> read_verification_info(
    core::ClaimStore& store, const core::Claim& identity, core::ClaimStatus status,
    std::optional<core::TimePoint> last_success,
    const std::vector<core::Claim>* dkim_records = nullptr);

}  // namespace vouch::service
