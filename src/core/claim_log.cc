#include "core/claim_log.h"

#include <string>

#include "core/claim_names.h"
#include "core/log.h"

namespace vouch::core {

nlohmann::json claim_log_fields(const Claim& c) {
  return {{"claim_id", c.id},
          {"kind", claim_kind_name(c.kind)},
          {"subject", c.subject},
          {"account", c.scope.account_id},
          {"region", c.scope.region}};
}

void log_status_change(const Claim& claim, const StatusChange& change) {
  if (!log_enabled(LogLevel::kInfo)) return;
  auto fields = claim_log_fields(claim);
  fields["from"] = claim_status_name(change.from);
  fields["to"] = claim_status_name(change.to);
  log(LogLevel::kInfo, "status_change",
      std::string(claim_kind_name(claim.kind)) + " " + claim.subject + " (" + claim.id +
          "): " + std::string(claim_status_name(change.from)) + " -> " +
          std::string(claim_status_name(change.to)),
      fields);
}

}  // namespace vouch::core
