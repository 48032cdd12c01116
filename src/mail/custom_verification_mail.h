// The message of a custom verification email (SES SendCustomVerificationEmail):
// the template's From, subject and HTML, followed by the link and a short
// disclaimer, as AWS adds them ("the content you specified ..., followed by a
// link"), and a plain-text alternative.
#pragma once

#include <string>

#include "core/mail.h"

namespace vouch::mail {

struct CustomMail {
  std::string template_name;
  std::string from;
  std::string subject;
  std::string html;  // the template's content
};

// `link` is the full URL to click. The link goes just before </body> when
// the content has one, else at its end.
core::Mail custom_verification_mail(const core::Claim& claim, const CustomMail& custom,
                                    const std::string& link, core::TimePoint now);

// The text of `html` without its tags, for the plain-text part.
std::string html_to_text(const std::string& html);

}  // namespace vouch::mail
