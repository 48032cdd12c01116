#include "cli/claims_view.h"

#include <algorithm>

namespace vouch::cli {

using nlohmann::json;

std::string json_text(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "-";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string table_cell(const std::string& s, size_t width) {
  if (s.size() <= width) return s + std::string(width - s.size(), ' ');
  return s.substr(0, width - 1) + "~";
}

std::string table_row(std::initializer_list<std::pair<std::string, size_t>> cells) {
  std::string out;
  for (const auto& [text, width] : cells) {
    if (!out.empty()) out += "  ";
    out += width ? table_cell(text, width) : text;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + "\n";
}

namespace {

std::string field(const char* name, const std::string& value) {
  return table_cell(std::string(name) + ":", 13) + value + "\n";
}

void evidence_lines(const json& e, std::string* out) {
  if (!e.is_object()) {
    *out += "last check:  none yet\n";
    return;
  }
  *out += "last check:  " + json_text(e, "at") + ": " + json_text(e, "outcome") + " (quorum " +
          json_text(e, "quorum") + ")\n";
  *out += "  " + table_row({{"RESOLVER", 21}, {"RESULT", 6}, {"SEEN / DETAIL", 0}});
  for (const auto& p : e.value("perspectives", json::array())) {
    std::string seen;
    for (const auto& v : p.value("seen", json::array())) {
      seen += (seen.empty() ? "" : ", ") + v.dump();
    }
    const std::string detail = json_text(p, "detail");
    if (detail != "-" && !detail.empty()) seen += (seen.empty() ? "" : "; ") + detail;
    *out += "  " + table_row({{json_text(p, "resolver"), 21},
                              {json_text(p, "result"), 6},
                              {seen.empty() ? "-" : seen, 0}});
  }
}

}  // namespace

int exit_code_of(const json& claim) {
  const std::string status = claim.is_object() ? claim.value("status", "") : "";
  if (status == "verified") return 0;
  if (status == "failed") return 2;
  return 1;
}

std::string claims_table(const json& claims) {
  // Columns as wide as their widest cell; the subject gets what is left.
  size_t id = 2, status = 6, kind = 4;
  for (const auto& c : claims) {
    id = std::max(id, json_text(c, "id").size());
    status = std::max(status, json_text(c, "status").size());
    kind = std::max(kind, json_text(c, "kind").size());
  }
  constexpr size_t kMinSubject = 12;
  const size_t used = id + status + kind + 3 * 2;
  const size_t subject = used + kMinSubject < kTableWidth ? kTableWidth - 1 - used : kMinSubject;
  std::string out = table_row({{"ID", id}, {"STATUS", status}, {"KIND", kind}, {"SUBJECT", 0}});
  for (const auto& c : claims) {
    out += table_row({{json_text(c, "id"), id},
                      {json_text(c, "status"), status},
                      {json_text(c, "kind"), kind},
                      {table_cell(json_text(c, "subject"), subject), 0}});
  }
  return out;
}

std::string claim_text(const json& d) {
  std::string out;
  out += field("id", json_text(d, "id"));
  out += field("kind", json_text(d, "kind"));
  out += field("subject", json_text(d, "subject"));
  out += field("status", json_text(d, "status") + " (" + json_text(d, "wire_status") + ")");
  out += field("region", json_text(d, "region"));
  out += field("created", json_text(d, "created_at"));
  out += field("next check", json_text(d, "next_check_at"));
  out += field("deadline", json_text(d, "deadline"));
  out += field("verified at", json_text(d, "last_verified_at"));
  if (auto r = d.find("record"); r != d.end() && r->is_object()) {
    out += "record to publish:\n  " + json_text(*r, "zone_file_line") + "\n";
    out += "  (" + json_text(*r, "type") + " " + json_text(*r, "name") + " = " +
           json_text(*r, "value") + ")\n";
  }
  if (d.value("kind", "") != "ses_email") evidence_lines(d.value("evidence", json()), &out);
  const json diagnosis = d.value("diagnosis", json::array());
  if (!diagnosis.empty()) {
    out += "diagnosis:\n";
    for (const auto& line : diagnosis) {
      out += "  - " + (line.is_string() ? line.get<std::string>() : line.dump()) + "\n";
    }
  }
  const json history = d.value("history", json::array());
  if (!history.empty()) {
    out += "history:\n";
    for (const auto& h : history) {
      out += "  " + json_text(h, "at") + "  " + json_text(h, "from") + " -> " + json_text(h, "to") +
             "\n";
    }
  }
  const json mail = d.value("mail", json::array());
  if (!mail.empty()) {
    out += "mail:\n";
    for (const auto& m : mail) {
      out += "  #" + json_text(m, "id") + " " + json_text(m, "state") + ", " +
             json_text(m, "attempts") + " attempt(s), sent " + json_text(m, "sent_at");
      const std::string err = json_text(m, "last_error");
      out += (err == "-" || err.empty() ? "" : ": " + err) + "\n";
    }
  }
  return out;
}

}  // namespace vouch::cli
