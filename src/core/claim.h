// The ownership claim: one subject (a domain or an email address), one
// challenge, and the state the status machine moves. SES identities and VPC
// Lattice domain verifications are two views of this one type.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace vouch::core {

enum class ClaimKind {
  kSesDomain,       // TXT _amazonses.<domain> = token
  kSesEmail,        // a signed link mailed to the address
  kLatticeDomain,   // TXT <label>.<domain> = vpc-lattice:<...>
  kSesDkim,         // CNAME <t>._domainkey.<domain> = <t>.dkim.amazonses.com, one per token
  kSesDkimTxt,      // TXT <selector>._domainkey.<domain> = a DKIM key record (BYODKIM)
  kSesMailFromMx,   // MX <mailfrom> = feedback-smtp.<region>.amazonses.com (any preference)
  kSesMailFromSpf,  // TXT <mailfrom> = an SPF record with include:amazonses.com
};

// One status enum for every view; the API layers map it to wire names.
enum class ClaimStatus {
  kPending,      // challenge issued, not yet seen
  kVerified,     // seen (and, for re-checks, still seen)
  kUnconfirmed,  // was verified, a re-check could not confirm it (SES TemporaryFailure)
  kFailed,  // window passed without evidence, or revoked (SES Failed, Lattice VERIFICATION_TIMED_OUT)
};

// Who a claim belongs to. One account or region never sees another's claims.
struct Scope {
  std::string account_id;
  std::string region;
  bool operator==(const Scope&) const = default;
};

using Tags = std::map<std::string, std::string>;

struct Claim {
  std::string id;  // "dv-<17 hex>" (Lattice) or "id-<20 hex>" (SES)
  Scope scope;
  ClaimKind kind = ClaimKind::kSesDomain;
  std::string subject;      // normalised domain, or email address
  std::string record_name;  // owner name without trailing dot (domain and DKIM claims)
  std::string token;        // the expected TXT value, or CNAME target (DKIM)
  ClaimStatus status = ClaimStatus::kPending;
  TimePoint created_at{};
  TimePoint deadline{};  // end of the current pending window
  std::optional<TimePoint> next_check_at;
  std::optional<TimePoint> last_verified_at;
  std::optional<TimePoint> absent_since;  // first re-check that saw the record gone
  int attempts = 0;                       // checks since the window opened (backoff)
  std::vector<std::string> dkim_tokens;   // SES: empty until VerifyDomainDkim
  Tags tags;                              // Lattice
  bool reject_on_mx_failure = false;      // SES identities: BehaviorOnMxFailure REJECT_MESSAGE
  int64_t seq = 0;                        // store-assigned, increasing: the listing order
  int64_t version = 0;                    // store-assigned, bumped on each update: compare-and-set
};

// Where DKIM token `t` of `domain` is published, and what it must point to.
inline std::string dkim_record_name(const std::string& t, const std::string& domain) {
  return t + "._domainkey." + domain;
}
inline std::string dkim_target(const std::string& t) { return t + ".dkim.amazonses.com"; }

// What a MAIL FROM domain's MX must point to, and the SPF mechanism its TXT
// record must hold.
inline std::string mail_from_mx_target(const std::string& region) {
  return "feedback-smtp." + region + ".amazonses.com";
}
inline constexpr std::string_view kMailFromSpfInclude = "include:amazonses.com";

// Characters (dot included) each kind of record puts before the domain: a
// domain is refused when its record's name could never be looked up.
inline constexpr std::string_view kSesTxtPrefix = "_amazonses.";
inline constexpr size_t kDkimRecordPrefix = 32 + std::string_view("._domainkey.").size();
inline constexpr size_t kLatticeRecordPrefix = 1 + 20 + 1;  // "_" + 20 chars + "."

// Pending windows, as on AWS (SES: 72 h domains, 24 h email; Lattice: 72 h).
inline constexpr Seconds kDomainWindow{72 * 3600};
inline constexpr Seconds kEmailWindow{24 * 3600};

}  // namespace vouch::core
