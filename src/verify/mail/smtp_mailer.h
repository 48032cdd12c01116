// Mailer over SMTP with libcurl: smtp:// (STARTTLS when offered and the URL
// carries credentials), smtps://, AUTH from the URL's user:password.
// Replies 5xx are permanent; 4xx and connection failures are transient.
#pragma once

#include <chrono>
#include <string>

#include "core/mail.h"

namespace vouch::verify::mail {

struct SmtpOptions {
  std::string url;  // smtp[s]://[user:pass@]host:port
  std::chrono::seconds timeout{30};
};

class SmtpMailer final : public core::Mailer {
 public:
  explicit SmtpMailer(SmtpOptions options);
  core::SendResult send(const core::Mail& mail) override;

 private:
  const SmtpOptions options_;
};

// The RFC 5322 message: headers and a multipart/alternative text+HTML body.
std::string render_message(const core::Mail& mail, core::TimePoint date);

}  // namespace vouch::verify::mail
