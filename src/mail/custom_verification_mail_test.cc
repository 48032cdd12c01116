// The custom verification message: the template's From, subject and HTML,
// the link added where AWS adds it (after the content), and a text part.
#include "mail/custom_verification_mail.h"

#include <gtest/gtest.h>

namespace vouch::mail {
namespace {

core::Claim claim() {
  core::Claim c;
  c.id = "id-1";
  c.scope = {"111122223333", "us-east-1"};
  c.subject = "user@example.com";
  return c;
}

const std::string kLink = "http://vouch.test/_vouch/verify-email?token=abc.def";

TEST(CustomVerificationMail, CarriesTheTemplatesFromSubjectAndContentThenTheLink) {
  const CustomMail custom{"T", "sender@example.com", "Please confirm",
                          "<html><body><h1>Welcome</h1><p>Click below.</p></BODY></html>"};
  auto m = custom_verification_mail(claim(), custom, kLink, core::TimePoint{});
  EXPECT_EQ(m.from, "sender@example.com");
  EXPECT_EQ(m.to, "user@example.com");
  EXPECT_EQ(m.subject, "Please confirm");
  EXPECT_EQ(m.claim_id, "id-1");
  const size_t content = m.html_body.find("<h1>Welcome</h1>");
  const size_t link = m.html_body.find("href=\"" + kLink + "\"");
  const size_t end = m.html_body.find("</BODY>");
  ASSERT_NE(content, std::string::npos);
  ASSERT_NE(link, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  EXPECT_LT(content, link);
  EXPECT_LT(link, end) << "the link goes inside the body, after the content";
  EXPECT_NE(m.text_body.find("Welcome Click below."), std::string::npos) << m.text_body;
  EXPECT_NE(m.text_body.find(kLink), std::string::npos);
}

TEST(CustomVerificationMail, ContentWithoutABodyGetsTheLinkAppended) {
  const CustomMail custom{"T", "s@example.com", "S", "<p>Hi</p>"};
  auto m = custom_verification_mail(claim(), custom, kLink, core::TimePoint{});
  EXPECT_EQ(m.html_body.rfind("<p>Hi</p>", 0), 0u);
  EXPECT_NE(m.html_body.find(kLink), std::string::npos);
}

TEST(CustomVerificationMail, TheLinkIsEscapedInTheHtml) {
  const CustomMail custom{"T", "s@example.com", "S", "<p>Hi</p>"};
  auto m = custom_verification_mail(claim(), custom, "http://h/?a=1&b=\"2\"", core::TimePoint{});
  EXPECT_NE(m.html_body.find("http://h/?a=1&amp;b=&quot;2&quot;"), std::string::npos);
  EXPECT_EQ(m.html_body.find("b=\"2\""), std::string::npos);
}

TEST(HtmlToText, DropsTagsAndFoldsWhitespace) {
  EXPECT_EQ(html_to_text("<p>a\n  b</p><p>c</p>"), "a b c");
  EXPECT_EQ(html_to_text("plain"), "plain");
  EXPECT_EQ(html_to_text(""), "");
}

}  // namespace
}  // namespace vouch::mail
