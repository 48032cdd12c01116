// How `vouch events` and `vouch webhooks` print the admin API's JSON: rows
// that fit an 80-column terminal (fixed widths, so that a followed stream
// lines up), or the JSON itself.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace vouch::cli {

// The header line of event rows, and one event as a row: ID, TIME (UTC,
// month to second: events are kept 7 days), TYPE, CHANGE, RESOURCE. The
// first four take 58 columns; the resource's name follows whole.
std::string events_header();
std::string event_row(const nlohmann::json& event);

// GET /_vouch/webhooks' list: ID, STATE, deliveries sent/failed/waiting,
// TYPES, URL, and the last error under its row.
std::string webhooks_table(const nlohmann::json& webhooks);

// What `webhooks add` prints: the id and the secret, said to be shown once.
std::string webhook_added_text(const nlohmann::json& webhook);

}  // namespace vouch::cli
