#include "core/arn.h"

#include <algorithm>

namespace vouch::core {

std::string domain_verification_arn(const Scope& scope, const std::string& id) {
  constexpr std::string_view kService = "arn:aws:vpc-lattice:", kResource = ":domainverification/";
  std::string arn;
  arn.reserve(kService.size() + scope.region.size() + 1 + scope.account_id.size() +
              kResource.size() + id.size());
  arn.append(kService).append(scope.region).append(":").append(scope.account_id);
  arn.append(kResource).append(id);
  return arn;
}

std::optional<ParsedArn> parse_arn(std::string_view arn) {
  std::string_view parts[6];
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = arn.find(':', start);
    if (colon == std::string_view::npos) return std::nullopt;
    parts[i] = arn.substr(start, colon - start);
    start = colon + 1;
  }
  parts[5] = arn.substr(start);
  if (parts[0] != "arn" || parts[5].empty()) return std::nullopt;
  return ParsedArn{std::string(parts[1]), std::string(parts[2]), std::string(parts[3]),
                   std::string(parts[4]), std::string(parts[5])};
}

bool is_domain_verification_id(std::string_view id) {
  if (id.size() != 20 || id.substr(0, 3) != "dv-") return false;
  return std::all_of(id.begin() + 3, id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

}  // namespace vouch::core
