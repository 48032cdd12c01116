#include "mail/smtp_reply.h"

#include <algorithm>

namespace vouch::mail {

void SmtpReplies::add(std::string_view data) {
  std::string line(data.substr(0, kMaxLine));
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.empty()) return;
  if (lines_.size() >= kMaxLines) lines_.erase(lines_.begin());
  lines_.push_back(std::move(line));
}

core::SendResult classify_send(bool ok, long code, const std::string& detail,
                               const SmtpReplies& replies) {
  if (ok) return {core::SendResult::Kind::kAccepted, std::to_string(code)};
  std::string out = detail;
  if (code >= 400) {
    // The server's own words for the code (the last line with it: a QUIT
    // reply may follow). A 2xx or 3xx is no refusal (a TLS failure after EHLO).
    std::string reply = std::to_string(code);
    const auto& lines = replies.lines();
    auto it = std::find_if(lines.rbegin(), lines.rend(),
                           [&](const std::string& l) { return l.rfind(reply, 0) == 0; });
    if (it != lines.rend()) reply = *it;
    out = "SMTP " + reply + " (" + detail + ")";
  }
  if (code >= 500 && code < 600) return {core::SendResult::Kind::kPermanent, out};
  return {core::SendResult::Kind::kTransient, out};
}

}  // namespace vouch::mail
