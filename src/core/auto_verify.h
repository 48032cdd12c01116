// --auto-verify-suffix (test mode): identities under a suffix are verified
// at their first check without asking DNS or waiting for a click, so
// application test suites with no DNS can reach SUCCESS. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/claim.h"
#include "core/error.h"
#include "core/evidence.h"

namespace vouch::core {

// A suffix as given ("test", ".test", "Example.TEST."), lower-cased without
// the leading and trailing dots; kInvalidArgument when nothing is left or it
// is not DNS labels (letters, digits, '-', '_', separated by single dots).
Result<std::string> auto_verify_suffix(std::string_view given);

// The first of `suffixes` (normalised) the claim's domain (an address's part
// after '@') falls under on a label boundary: "test" matches "test" and
// "a.test", not "atest".
std::optional<std::string> auto_verify_match(const Claim& c,
                                             const std::vector<std::string>& suffixes);

// What such a check records: found by the resolver "auto-verify".
Evidence auto_verify_evidence(const Claim& c, const std::string& suffix, TimePoint now);

}  // namespace vouch::core
