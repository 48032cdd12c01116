#include "cli/claims_view.h"

#include <algorithm>

namespace vouch::cli {

using nlohmann::json;

namespace {

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "-";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// `s` in `width` columns: padded, or cut with a '~' at the end.
std::string cell(const std::string& s, size_t width) {
  if (s.size() <= width) return s + std::string(width - s.size(), ' ');
  return s.substr(0, width - 1) + "~";
}

std::string row(std::initializer_list<std::pair<std::string, size_t>> cells) {
  std::string out;
  for (const auto& [text, width] : cells) {
    if (!out.empty()) out += "  ";
    out += width ? cell(text, width) : text;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + "\n";
}

std::string field(const char* name, const std::string& value) {
  return cell(std::string(name) + ":", 13) + value + "\n";
}

void evidence_lines(const json& e, std::string* out) {
  if (!e.is_object()) {
    *out += "last check:  none yet\n";
    return;
  }
  *out += "last check:  " + str(e, "at") + ": " + str(e, "outcome") + " (quorum " +
          str(e, "quorum") + ")\n";
  *out += "  " + row({{"RESOLVER", 21}, {"RESULT", 6}, {"SEEN / DETAIL", 0}});
  for (const auto& p : e.value("perspectives", json::array())) {
    std::string seen;
    for (const auto& v : p.value("seen", json::array())) {
      seen += (seen.empty() ? "" : ", ") + v.dump();
    }
    const std::string detail = str(p, "detail");
    if (detail != "-" && !detail.empty()) seen += (seen.empty() ? "" : "; ") + detail;
    *out += "  " +
            row({{str(p, "resolver"), 21}, {str(p, "result"), 6}, {seen.empty() ? "-" : seen, 0}});
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
    id = std::max(id, str(c, "id").size());
    status = std::max(status, str(c, "status").size());
    kind = std::max(kind, str(c, "kind").size());
  }
  constexpr size_t kMinSubject = 12;
  const size_t used = id + status + kind + 3 * 2;
  const size_t subject = used + kMinSubject < kTableWidth ? kTableWidth - 1 - used : kMinSubject;
  std::string out = row({{"ID", id}, {"STATUS", status}, {"KIND", kind}, {"SUBJECT", 0}});
  for (const auto& c : claims) {
    out += row({{str(c, "id"), id},
                {str(c, "status"), status},
                {str(c, "kind"), kind},
                {cell(str(c, "subject"), subject), 0}});
  }
  return out;
}

std::string claim_text(const json& d) {
  std::string out;
  out += field("id", str(d, "id"));
  out += field("kind", str(d, "kind"));
  out += field("subject", str(d, "subject"));
  out += field("status", str(d, "status") + " (" + str(d, "wire_status") + ")");
  out += field("region", str(d, "region"));
  out += field("created", str(d, "created_at"));
  out += field("next check", str(d, "next_check_at"));
  out += field("deadline", str(d, "deadline"));
  out += field("verified at", str(d, "last_verified_at"));
  if (auto r = d.find("record"); r != d.end() && r->is_object()) {
    out += "record to publish:\n  " + str(*r, "zone_file_line") + "\n";
    out += "  (" + str(*r, "type") + " " + str(*r, "name") + " = " + str(*r, "value") + ")\n";
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
      out += "  " + str(h, "at") + "  " + str(h, "from") + " -> " + str(h, "to") + "\n";
    }
  }
  const json mail = d.value("mail", json::array());
  if (!mail.empty()) {
    out += "mail:\n";
    for (const auto& m : mail) {
      out += "  #" + str(m, "id") + " " + str(m, "state") + ", " + str(m, "attempts") +
             " attempt(s), sent " + str(m, "sent_at");
      const std::string err = str(m, "last_error");
      out += (err == "-" || err.empty() ? "" : ": " + err) + "\n";
    }
  }
  return out;
}

}  // namespace vouch::cli
