#include "service/record_claim.h"

#include "core/status_machine.h"
#include "core/tokens.h"
#include "service/recorded_update.h"

namespace vouch::service {

core::Status reopen_record_claim(core::Store& store, const core::Claim& record,
                                 core::TimePoint now) {
  const auto policy = core::policy_for(record.kind);
  auto reopened = update_recording_status(store, record, now, [&](core::Claim& c) {
    if (c.status == core::ClaimStatus::kFailed) c = core::restart(policy, std::move(c), now);
    else if (c.status == core::ClaimStatus::kPending &&
             (!c.next_check_at || *c.next_check_at > now))
      c.next_check_at = now;
    else return false;
    return true;
  });
  if (!reopened.ok() && reopened.error().code != core::ErrorCode::kNotFound)
    return reopened.error();
  return {};
}

core::Status insert_record_claim(core::Store& store, core::Random& random,
                                 const core::Claim& domain, core::ClaimKind kind,
                                 const std::string& name, const std::string& token,
                                 core::TimePoint now) {
  core::Claim c;
  c.id = core::new_ses_claim_id(random);
  c.scope = domain.scope;
  c.kind = kind;
  c.subject = domain.subject;
  c.record_name = name;
  c.token = token;
  c.created_at = now;
  auto inserted = store.insert_claim(core::restart(core::policy_for(kind), std::move(c), now));
  if (!inserted.ok() && inserted.error().code != core::ErrorCode::kConflict)
    return inserted.error();
  return {};
}

}  // namespace vouch::service
