// Mailer over SMTP with libcurl: smtp:// (with STARTTLS as StartTls says),
// smtps://, AUTH from the URL's user:password. Replies 5xx are permanent; 4xx,
// connection and TLS failures are transient.
#pragma once

#include <chrono>
#include <string>

#include "core/mail.h"

namespace vouch::mail {

// STARTTLS on smtp:// (smtps:// is TLS from the start, its certificate
// verified against the system's CAs).
enum class StartTls {
  kOpportunistic,  // when the server offers it; the certificate is not verified
                   // (RFC 7435: against passive eavesdroppers), plain text if not offered
  kRequired,       // the server must offer it and its certificate must verify, or nothing is sent
  kOff,            // never
};

struct SmtpOptions {
  std::string url;  // smtp[s]://[user:pass@]host:port
  std::chrono::seconds timeout{30};
  // A URL with credentials always gets kRequired: a password never goes in clear.
  StartTls starttls = StartTls::kOpportunistic;
  std::string
      ca_file;  // PEM CAs that verify the server instead of the system's; empty: the system's
};

// Whether the URL may carry user:password@ (any '@' after the scheme: when
// in doubt, the password is treated as there).
inline bool smtp_url_has_credentials(const std::string& url) {
  const size_t from = url.find("://");
  return from != std::string::npos && url.find('@', from + 3) != std::string::npos;
}

class SmtpMailer final : public core::Mailer {
 public:
  explicit SmtpMailer(SmtpOptions options);
  core::SendResult send(const core::Mail& mail) override;

 private:
  const SmtpOptions options_;
};

// The RFC 5322 message: headers and a multipart/alternative text+HTML body.
std::string render_message(const core::Mail& mail, core::TimePoint date);

}  // namespace vouch::mail
