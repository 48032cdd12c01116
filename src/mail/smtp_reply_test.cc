// SmtpReplies and classify_send: which reply line explains a refusal, 5xx
// permanent and the rest transient, and the bounds on what is kept.
#include "mail/smtp_reply.h"

#include <gtest/gtest.h>

#include <string>

namespace vouch::mail {
namespace {

using Kind = core::SendResult::Kind;

void expect_send(const core::SendResult& r, Kind kind, const std::string& detail) {
  EXPECT_EQ(r.kind, kind);
  EXPECT_EQ(r.detail, detail);
}

TEST(SmtpReplyTest, APermanentRefusalQuotesTheServersLastLineWithItsCode) {
  SmtpReplies r;
  r.add("220 localhost ESMTP\r\n");
  r.add("550 5.1.1 first\r\n");
  r.add("550 5.1.1 no such user\r\n");
  r.add("221 bye\r\n");
  expect_send(classify_send(false, 550, "Failed sending data", r), Kind::kPermanent,
              "SMTP 550 5.1.1 no such user (Failed sending data)");
}

TEST(SmtpReplyTest, FourHundredsAndNoCodeAreTransientAndSuccessIsAccepted) {
  SmtpReplies r;
  r.add("421 4.3.2 try later\n");
  expect_send(classify_send(false, 421, "x", r), Kind::kTransient, "SMTP 421 4.3.2 try later (x)");
  // No code (the connection failed): libcurl's words alone.
  expect_send(classify_send(false, 0, "Couldn't connect", r), Kind::kTransient, "Couldn't connect");
  expect_send(classify_send(true, 250, "", r), Kind::kAccepted, "250");
}

TEST(SmtpReplyTest, ACodeNoLineCarriesStandsAlone) {
  SmtpReplies r;
  r.add("220 hi\n");
  expect_send(classify_send(false, 554, "e", r), Kind::kPermanent, "SMTP 554 (e)");
}

TEST(SmtpReplyTest, KeepsTheLastSixteenLinesEachCutTo512Bytes) {
  SmtpReplies r;
  r.add("\r\n");  // empty: nothing kept
  EXPECT_TRUE(r.lines().empty());
  for (int i = 0; i < 40; ++i) r.add("250 line " + std::to_string(i) + "\r\n");
  ASSERT_EQ(r.lines().size(), SmtpReplies::kMaxLines);
  EXPECT_EQ(r.lines().front(), "250 line 24");
  EXPECT_EQ(r.lines().back(), "250 line 39");
  r.add(std::string(5000, 'x'));
  EXPECT_EQ(r.lines().back().size(), SmtpReplies::kMaxLine);
}

}  // namespace
}  // namespace vouch::mail
