// ARNs of VPC Lattice domain verifications:
//   arn:aws:vpc-lattice:<region>:<account>:domainverification/dv-<17 hex>
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/claim.h"

namespace vouch::core {

std::string domain_verification_arn(const Scope& scope, const std::string& id);

struct ParsedArn {
  std::string partition, service, region, account_id,
      resource;  // resource: "domainverification/dv-..."
};

// Splits any ARN into its parts; nullopt if it does not have six parts.
std::optional<ParsedArn> parse_arn(std::string_view arn);

// Whether `id` is dv- followed by 17 lower- or upper-case hex digits.
bool is_domain_verification_id(std::string_view id);

}  // namespace vouch::core
