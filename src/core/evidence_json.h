// Evidence as JSON: how it is kept in the store and shown by the admin API,
// and how it is read back.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/evidence.h"

namespace vouch::core {

nlohmann::json evidence_to_json(const Evidence& e);
// evidence_to_json(e).dump(), byte for byte, written straight into a string:
// the scheduler stores one per check, and building the tree cost more than
// the rest of recording it.
std::string evidence_text(const Evidence& e);
std::string outcome_name(CheckOutcome o);                // "found", "absent", "resolver_error"
std::string result_name(PerspectiveEvidence::Result r);  // "found", "absent", "wrong", "error"

// Evidence back from its stored text, decoded once into typed data: nullopt
// when the text is not evidence as evidence_text writes it (e.g. "{}", which
// email claims store). Names it does not know read as errors.
std::optional<Evidence> evidence_from_text(const std::string& text);

}  // namespace vouch::core
