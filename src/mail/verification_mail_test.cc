// The verification message for an email identity: subject, link in both
// bodies, HTML escaping, and the outbox fields it starts with.
#include "mail/verification_mail.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "core/rfc3339.h"

namespace vouch::mail {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

const core::TimePoint T0 = core::TimePoint(seconds(1'700'000'000));

core::Claim email_claim(const std::string& region = "eu-west-1") {
  core::Claim c;
  c.id = "id-0123456789abcdef0123";
  c.scope = {"111122223333", region};
  c.kind = core::ClaimKind::kSesEmail;
  c.subject = "alice@example.com";
  c.token = "nonce";
  c.created_at = T0;
  c.deadline = T0 + hours(24);
  return c;
}

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

TEST(VerificationMail, SubjectIsAwsWordingWithEnDash) {
  auto m = verification_mail(email_claim("eu-west-1"), "from@vouch.test", "http://x/l", T0);
  EXPECT_EQ(
      m.subject,
      "Amazon Web Services \xE2\x80\x93 Email Address Verification Request in region eu-west-1");
  auto m2 = verification_mail(email_claim("ap-southeast-2"), "from@vouch.test", "http://x/l", T0);
  EXPECT_EQ(
      m2.subject,
      "Amazon Web Services \xE2\x80\x93 Email Address Verification Request in region ap-southeast-2");
}

TEST(VerificationMail, EnvelopeAndOutboxFields) {
  const core::Claim c = email_claim();
  auto m = verification_mail(c, "verify@vouch.test", "http://x/l", T0 + seconds(3));
  EXPECT_EQ(m.from, "verify@vouch.test");
  EXPECT_EQ(m.to, "alice@example.com");
  EXPECT_EQ(m.claim_id, c.id);
  EXPECT_EQ(m.scope, c.scope);
  EXPECT_EQ(m.created_at, T0 + seconds(3));
  EXPECT_EQ(m.next_attempt_at, T0 + seconds(3)) << "a new message is due at once";
  EXPECT_EQ(m.state, core::Mail::State::kQueued);
  EXPECT_EQ(m.attempts, 0);
  EXPECT_FALSE(m.sent_at.has_value());
  EXPECT_TRUE(m.last_error.empty());
  EXPECT_EQ(m.id, 0) << "the store assigns ids";
}

TEST(VerificationMail, LinkInBothBodies) {
  const std::string link = "http://127.0.0.1:4566/_vouch/verify-email?token=abc_DEF-123.xyz";
  auto m = verification_mail(email_claim(), "f@vouch.test", link, T0);
  EXPECT_EQ(count(m.text_body, link), 1u) << m.text_body;
  // Once as the href and once as the visible text.
  EXPECT_EQ(count(m.html_body, "href=\"" + link + "\""), 1u) << m.html_body;
  EXPECT_EQ(count(m.html_body, ">" + link + "</a>"), 1u) << m.html_body;
  // The link stands on a line of its own in the text part, so mail clients
  // make it clickable without trailing punctuation.
  EXPECT_NE(m.text_body.find("\n\n" + link + "\n\n"), std::string::npos) << m.text_body;
}

TEST(VerificationMail, BodiesNameRegionAndExpiry) {
  const core::Claim c = email_claim("us-west-2");
  auto m = verification_mail(c, "f@vouch.test", "http://x/l", T0);
  const std::string expires = core::format_rfc3339(c.deadline);
  EXPECT_NE(m.text_body.find("region us-west-2"), std::string::npos);
  EXPECT_NE(m.html_body.find("region us-west-2"), std::string::npos);
  EXPECT_NE(m.text_body.find(expires), std::string::npos) << expires << "\n" << m.text_body;
  EXPECT_NE(m.html_body.find(expires), std::string::npos);
  EXPECT_NE(m.text_body.find("Dear Amazon Web Services Customer"), std::string::npos);
}

TEST(VerificationMail, HtmlIsEscaped) {
  const std::string link = "http://h/_vouch/verify-email?token=a&b=\"<script>alert(1)</script>'";
  auto m = verification_mail(email_claim(), "f@vouch.test", link, T0);
  EXPECT_EQ(m.html_body.find("<script>"), std::string::npos) << m.html_body;
  EXPECT_EQ(m.html_body.find("token=a&b"), std::string::npos) << "raw & in HTML";
  EXPECT_EQ(
      count(
          m.html_body,
          "http://h/_vouch/verify-email?token=a&amp;b=&quot;&lt;script&gt;alert(1)&lt;/script&gt;'"),
      2u)
      << m.html_body;
  // The text part carries the link as it is.
  EXPECT_NE(m.text_body.find(link), std::string::npos);
  // The attribute cannot be closed early by a quote in the link.
  const size_t href = m.html_body.find("href=\"");
  ASSERT_NE(href, std::string::npos);
  const size_t close = m.html_body.find('"', href + 6);
  EXPECT_EQ(m.html_body.substr(close, 2), "\">") << m.html_body.substr(href, close - href + 2);
}

TEST(VerificationMail, HtmlIsAWholeDocument) {
  auto m = verification_mail(email_claim(), "f@vouch.test", "http://x/l", T0);
  EXPECT_EQ(m.html_body.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(m.html_body.find("</html>"), std::string::npos);
  EXPECT_EQ(count(m.html_body, "<p>"), count(m.html_body, "</p>"));
}

}  // namespace
}  // namespace vouch::mail
