// Common mistakes in publishing a claim's record, named in plain words from
// the last evidence and two extra probes. Pure: the probes are looked up by
// ClaimAdmin and handed in.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/claim.h"
#include "core/evidence.h"

namespace vouch::service {

// What the extra probes found, in the claim's record type: at the name with
// the zone appended twice, and (TXT only) at the bare domain.
struct Probes {
  std::vector<std::string> doubled_zone;
  std::vector<std::string> bare_domain;
};

// Whether the probes are worth asking: a DNS claim whose last check did not
// find its record.
bool needs_probes(const core::Claim& c, const std::optional<core::Evidence>& evidence);

// MAIL FROM's MX and SPF claims (diagnosis_mail_from.cc).
inline bool is_mail_from(core::ClaimKind k) {
  return k == core::ClaimKind::kSesMailFromMx || k == core::ClaimKind::kSesMailFromSpf;
}
std::vector<std::string> diagnose_mail_from(const core::Claim& c,
                                            const std::optional<core::Evidence>& evidence);

std::vector<std::string> diagnose(const core::Claim& c,
                                  const std::optional<core::Evidence>& evidence,
                                  const Probes& probes);

}  // namespace vouch::service
