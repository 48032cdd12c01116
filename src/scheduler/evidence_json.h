// Evidence as JSON: how it is kept in the store and shown by the admin API.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/evidence.h"

namespace vouch::scheduler {

nlohmann::json evidence_to_json(const core::Evidence& e);
// evidence_to_json(e).dump(), byte for byte, written straight into a string:
// the scheduler stores one per check, and building the tree cost more than
// the rest of recording it.
std::string evidence_text(const core::Evidence& e);
std::string outcome_name(core::Outcome o);          // "found", "absent", "resolver_error"
std::string result_name(core::PerspectiveEvidence::Result r);  // "found", "absent", "wrong", "error"

}  // namespace vouch::scheduler
