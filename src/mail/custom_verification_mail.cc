#include "mail/custom_verification_mail.h"

#include <algorithm>
#include <cctype>

#include "mail/verification_mail.h"

namespace vouch::mail {

namespace {

constexpr const char* kDisclaimer =
    "If you did not request to verify this email address, please disregard this message.";

// Where </body> starts (any case), or npos.
size_t body_end(const std::string& html) {
  std::string lower(html.size(), '\0');
  std::transform(html.begin(), html.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.rfind("</body");
}

}  // namespace

std::string html_to_text(const std::string& html) {
  std::string out;
  bool in_tag = false;
  bool space = false;
  for (char c : html) {
    if (c == '<') {
      in_tag = true;
      space = true;
      continue;
    }
    if (in_tag) {
      if (c == '>') in_tag = false;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

core::Mail custom_verification_mail(const core::Claim& claim, const CustomMail& custom,
                                    const std::string& link, core::TimePoint now) {
  core::Mail m;
  m.claim_id = claim.id;
  m.scope = claim.scope;
  m.from = custom.from;
  m.to = claim.subject;
  m.subject = custom.subject;
  const std::string added = "<p><a href=\"" + html_escape(link) + "\">" + html_escape(link) +
                            "</a></p><p>" + kDisclaimer + "</p>";
  m.html_body = custom.html;
  const size_t end = body_end(m.html_body);
  if (end == std::string::npos) {
    m.html_body += added;
  } else {
    m.html_body.insert(end, added);
  }
  m.text_body = html_to_text(custom.html) + "\n\n" + link + "\n\n" + kDisclaimer + "\n";
  m.created_at = now;
  m.next_attempt_at = now;
  return m;
}

}  // namespace vouch::mail
