// How `vouch claims` prints the admin API's JSON: tables that fit an
// 80-column terminal, or the JSON itself; and the exit status of a claim.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

namespace vouch::cli {

inline constexpr size_t kTableWidth = 80;

// j[key] as text: a string as it is, "-" when missing or null, else its JSON.
std::string json_text(const nlohmann::json& j, const char* key);
// `s` in `width` columns: padded, or cut with a '~' at the end.
std::string table_cell(const std::string& s, size_t width);
// One line of cells two spaces apart, each padded or cut to its width (0: as
// it is), without trailing blanks.
std::string table_row(std::initializer_list<std::pair<std::string, size_t>> cells);

// 0 verified, 1 pending or unconfirmed, 2 failed (the admin API's "status").
int exit_code_of(const nlohmann::json& claim);

// One row per claim summary: ID, STATUS, KIND, SUBJECT (cut to fit).
std::string claims_table(const nlohmann::json& claims);

// One claim's detail: the record to publish, what each resolver saw, the
// diagnosis, its history and mail.
std::string claim_text(const nlohmann::json& detail);

}  // namespace vouch::cli
