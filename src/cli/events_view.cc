#include "cli/events_view.h"

#include <algorithm>
#include <string_view>

#include "cli/claims_view.h"

namespace vouch::cli {

using nlohmann::json;

namespace {

constexpr size_t kIdWidth = 9, kTimeWidth = 14, kTypeWidth = 9, kChangeWidth = 18;
constexpr size_t kMaxErrorShown = 2 * kTableWidth;

// "ses.dkim.status_changed" -> "dkim"; an unknown type as it is.
std::string short_type(const std::string& type) {
  std::string_view t = type;
  constexpr std::string_view kSuffix = ".status_changed";
  if (t.size() > kSuffix.size() && t.substr(t.size() - kSuffix.size()) == kSuffix) {
    t.remove_suffix(kSuffix.size());
  }
  if (t == "vpc-lattice.domain_verification") return "lattice";
  if (t.substr(0, 4) == "ses.") t.remove_prefix(4);
  return std::string(t);
}

// "2026-01-02T03:04:05.678Z" -> "01-02 03:04:05".
std::string short_time(const std::string& t) {
  if (t.size() < 19 || t[4] != '-' || t[10] != 'T') return t;
  return t.substr(5, 5) + " " + t.substr(11, 8);
}

std::string resource_name(const json& e) {
  const json r = e.value("resource", json::object());
  if (!r.is_object()) return "-";
  for (const char* k : {"identity", "domainName", "domainVerificationId", "arn"}) {
    if (auto it = r.find(k); it != r.end() && it->is_string()) return it->get<std::string>();
  }
  return r.empty() ? "-" : r.dump();
}

std::string types_text(const json& w) {
  const json types = w.value("event_types", json::array());
  if (!types.is_array() || types.empty()) return "all";
  std::string out;
  for (const auto& t : types) {
    out += (out.empty() ? "" : ",") + short_type(t.is_string() ? t.get<std::string>() : t.dump());
  }
  return out;
}

}  // namespace

std::string events_header() {
  return table_row({{"ID", kIdWidth},
                    {"TIME (UTC)", kTimeWidth},
                    {"TYPE", kTypeWidth},
                    {"CHANGE", kChangeWidth},
                    {"RESOURCE", 0}});
}

std::string event_row(const json& e) {
  const std::string id = json_text(e, "id");
  const std::string change = json_text(e, "old_status") + " -> " + json_text(e, "new_status");
  // The resource is never cut (a cut name is no use): a long one passes 80.
  return table_row({{id, std::max(kIdWidth, id.size())},
                    {short_time(json_text(e, "time")), kTimeWidth},
                    {short_type(json_text(e, "type")), kTypeWidth},
                    {change, std::max(kChangeWidth, change.size())},
                    {resource_name(e), 0}});
}

std::string webhooks_table(const json& hooks) {
  size_t id = 2, types = 5;
  for (const auto& w : hooks) {
    id = std::max(id, json_text(w, "id").size());
    types = std::min<size_t>(std::max(types, types_text(w).size()), 20);
  }
  constexpr size_t kState = 8, kHealth = 14;
  std::string out = table_row(
      {{"ID", id}, {"STATE", kState}, {"SENT/FAIL/WAIT", kHealth}, {"TYPES", types}, {"URL", 0}});
  for (const auto& w : hooks) {
    const json health = w.value("health", json::object());
    const std::string counts = json_text(health, "delivered") + "/" + json_text(health, "failed") +
                               "/" + json_text(health, "pending");
    out += table_row({{json_text(w, "id"), id},
                      {w.value("disabled", false) ? "disabled" : "active", kState},
                      {counts, kHealth},
                      {types_text(w), types},
                      // Never cut, like an event's resource: a cut URL is no use.
                      {json_text(w, "url"), 0}});
    if (std::string err = json_text(health, "last_error"); err != "-" && !err.empty()) {
      // One line of it, whatever the receiver answered.
      if (err.size() > kMaxErrorShown) err = err.substr(0, kMaxErrorShown - 1) + "~";
      std::replace_if(
          err.begin(), err.end(), [](unsigned char c) { return c < ' '; }, ' ');
      out += "  last error (" + json_text(health, "last_attempt_at") + "): " + err + "\n";
    }
  }
  return out;
}

std::string webhook_added_text(const json& w) {
  std::string out = "added webhook " + json_text(w, "id") + " for " + json_text(w, "url") +
                    " (events: " + types_text(w) + ")\n";
  out += "secret: " + json_text(w, "secret") + "\n";
  out += "Keep this secret now: it will not be shown again. It signs every delivery\n"
         "(the Vouch-Signature header; see docs/EVENTS.md).\n";
  return out;
}

}  // namespace vouch::cli
