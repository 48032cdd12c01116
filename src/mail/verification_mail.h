// The verification message for an email identity, in plain text and HTML.
#pragma once

#include <string>

#include "core/mail.h"

namespace vouch::mail {

// `link` is the full URL to click; `expires` when it stops working.
// `s` safe in HTML text and double-quoted attributes.
std::string html_escape(const std::string& s);

core::Mail verification_mail(const core::Claim& claim, const std::string& from,
                             const std::string& link, core::TimePoint now);

}  // namespace vouch::mail
