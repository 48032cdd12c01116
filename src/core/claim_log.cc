#include "core/claim_log.h"

#include <string>
#include <string_view>

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
  const std::string_view kind = claim_kind_name(claim.kind);
  const std::string_view from = claim_status_name(change.from);
  const std::string_view to = claim_status_name(change.to);
  std::string message;
  message.reserve(kind.size() + claim.subject.size() + claim.id.size() + from.size() + to.size() +
                  12);
  message.append(kind).append(" ").append(claim.subject).append(" (").append(claim.id);
  message.append("): ").append(from).append(" -> ").append(to);
  // A sweep logs a line per first check: text lines drop the fields, so they
  // are not built for them (a JSON tree cost ~9k instructions a check).
  if (!log_fields_shown()) return log(LogLevel::kInfo, "status_change", message, nlohmann::json());
  auto fields = claim_log_fields(claim);
  fields["from"] = from;
  fields["to"] = to;
  log(LogLevel::kInfo, "status_change", message, fields);
}

}  // namespace vouch::core
