// How `vouch claims` prints the admin API's JSON: tables that fit an
// 80-column terminal, or the JSON itself; and the exit status of a claim.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace vouch::cli {

inline constexpr size_t kTableWidth = 80;

// 0 verified, 1 pending or unconfirmed, 2 failed (the admin API's "status").
int exit_code_of(const nlohmann::json& claim);

// One row per claim summary: ID, STATUS, KIND, SUBJECT (cut to fit).
std::string claims_table(const nlohmann::json& claims);

// One claim's detail: the record to publish, what each resolver saw, the
// diagnosis, its history and mail.
std::string claim_text(const nlohmann::json& detail);

}  // namespace vouch::cli
