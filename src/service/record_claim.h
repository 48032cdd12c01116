// The claims of a domain's DNS records beside its identity (Easy DKIM's
// CNAMEs, BYODKIM's TXT): made and restarted the same way for each kind.
#pragma once

#include <string>

#include "core/claim.h"
#include "core/error.h"
#include "core/random.h"
#include "core/store.h"

namespace vouch::service {

// A record's claim asked for again (a repeat VerifyDomainDkim, the same
// key put again): failed starts over, pending is due now. A claim deleted
// meanwhile is no error.
core::Status reopen_record_claim(core::Store& store, const core::Claim& record,
                                 core::TimePoint now);

// Stores a new claim of `kind` for `domain`'s record `name` holding `token`,
// due now. A concurrent twin (kConflict) is no error.
core::Status insert_record_claim(core::Store& store, core::Random& random,
                                 const core::Claim& domain, core::ClaimKind kind,
                                 const std::string& name, const std::string& token,
                                 core::TimePoint now);

}  // namespace vouch::service
