#include "mail/verification_mail.h"

#include "core/rfc3339.h"

namespace vouch::mail {

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

core::Mail verification_mail(const core::Claim& claim, const std::string& from,
                             const std::string& link, core::TimePoint now) {
  const std::string region = claim.scope.region;
  const std::string expires = core::format_rfc3339(claim.deadline);
  core::Mail m;
  m.claim_id = claim.id;
  m.scope = claim.scope;
  m.from = from;
  m.to = claim.subject;
  m.subject = "Amazon Web Services \xE2\x80\x93 Email Address Verification Request in region " +
              region;
  m.text_body =
      "Dear Amazon Web Services Customer,\n\n"
      "We have received a request to authorize this email address for use with Amazon SES in region " +
      region +
      ". To confirm that you are authorized to use this email address, go to the following URL:\n\n" +
      link +
      "\n\n"
      "This link works once and expires at " +
      expires +
      " (24 hours after the request).\n\n"
      "If you did NOT request to verify this email address, do not click the link: ignore this "
      "message and nothing will happen. The address stays unverified.\n";
  m.html_body =
      "<!DOCTYPE html><html><body>"
      "<p>Dear Amazon Web Services Customer,</p>"
      "<p>We have received a request to authorize this email address for use with Amazon SES in region " +
      html_escape(region) +
      ". To confirm that you are authorized to use this email address, follow this link:</p>"
      "<p><a href=\"" +
      html_escape(link) + "\">" + html_escape(link) +
      "</a></p>"
      "<p>This link works once and expires at " +
      html_escape(expires) +
      " (24 hours after the request).</p>"
      "<p>If you did <strong>not</strong> request to verify this email address, do not click the link: "
      "ignore this message and nothing will happen.</p></body></html>\n";
  m.created_at = now;
  m.next_attempt_at = now;
  return m;
}

}  // namespace vouch::mail
