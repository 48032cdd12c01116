// Identifiers and challenge values, in the formats AWS uses.
#pragma once

#include <string>
#include <vector>

#include "core/random.h"

namespace vouch::core {

std::string new_ses_token(Random& r);                 // base64 of 32 bytes (44 chars)
std::vector<std::string> new_dkim_tokens(Random& r);  // 3 x 32 chars of [a-z2-7]
std::string new_ses_claim_id(Random& r);              // "id-" + 20 hex
std::string new_lattice_id(Random& r);                // "dv-" + 17 hex
std::string new_lattice_txt_label(Random& r);         // "_" + 20 chars of [a-z2-7]
std::string new_lattice_txt_value(Random& r);         // "vpc-lattice:" + 32 chars of [a-z2-7]

}  // namespace vouch::core
