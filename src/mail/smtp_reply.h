// What the mailer makes of an SMTP server's replies: libcurl speaks the
// protocol and reports the last code; the server's reply lines (kept from
// libcurl's debug stream) give a refusal its words. Apart from the mailer so
// that the fuzzer (fuzz/smtp_reply_fuzz.cc) drives it without a socket.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/mail.h"

namespace vouch::mail {

class SmtpReplies {
 public:
  static constexpr size_t kMaxLines = 16;  // the most recent are kept
  static constexpr size_t kMaxLine = 512;  // bytes of one line kept
  // One chunk of server input as libcurl hands it over (a reply line).
  void add(std::string_view data);
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::vector<std::string> lines_;
};

// The send's outcome: kAccepted when libcurl succeeded (`ok`); else
// kPermanent for a 5xx `code`, kTransient for anything else. `detail` is
// libcurl's error text, prefixed with the server's line for a 4xx/5xx code.
core::SendResult classify_send(bool ok, long code, const std::string& detail,
                               const SmtpReplies& replies);

}  // namespace vouch::mail
