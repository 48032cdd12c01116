// Verification mail: the message, its place in the durable outbox, and the
// Mailer interface the delivery worker uses (mail/smtp_mailer implements it over
// SMTP). No I/O here.
#pragma once

#include <optional>
#include <string>

#include "core/claim.h"
#include "core/clock.h"

namespace vouch::core {

struct Mail {
  int64_t id = 0;  // store-assigned
  std::string claim_id;
  Scope scope;
  std::string from;
  std::string to;
  std::string subject;
  std::string text_body;
  std::string html_body;
  TimePoint created_at{};
  enum class State { kQueued, kSent, kFailed };
  State state = State::kQueued;
  int attempts = 0;
  TimePoint next_attempt_at{};
  std::optional<TimePoint> sent_at;
  std::string last_error;  // the SMTP server's reply or the connection error
};

// What a delivery attempt came to.
struct SendResult {
  enum class Kind { kAccepted, kTransient, kPermanent };
  Kind kind = Kind::kTransient;
  std::string detail;
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  // Hands `mail` to the SMTP server; kAccepted once it said 250 to the data.
  virtual SendResult send(const Mail& mail) = 0;
};

// Link tokens: bound to one claim and its current nonce, valid until the
// claim's window closes, signed with the server's secret.
struct LinkToken {
  std::string claim_id;
  std::string nonce;
  int64_t expires_unix = 0;
  // A custom verification email's template: its click redirects to the
  // template's URLs. Empty for vouch's own message (a Confirm page).
  std::string template_name;
};

}  // namespace vouch::core
