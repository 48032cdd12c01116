// SmtpReplies and classify_send: which reply line explains a refusal, 5xx
// permanent and the rest transient, and the bounds on what is kept.
#include "mail/smtp_reply.h"

#include <gtest/gtest.h>

#include <string>

namespace vouch::mail {
namespace {

using Kind = core::SendResult::Kind;

TEST(SmtpReplyTest, APermanentRefusalQuotesTheServersLastLineWithItsCode) {
  SmtpReplies r;
  r.add("220 localhost ESMTP\r\n");
  r.add("550 5.1.1 first\r\n");
  r.add("550 5.1.1 no such user\r\n");
  r.add("221 bye\r\n");
  auto out = classify_send(false, 550, "Failed sending data", r);
  EXPECT_EQ(out.kind, Kind::kPermanent);
  EXPECT_EQ(out.detail, "SMTP 550 5.1.1 no such user (Failed sending data)");
}

TEST(SmtpReplyTest, FourHundredsAndNoCodeAreTransientAndSuccessIsAccepted) {
  SmtpReplies r;
  r.add("421 4.3.2 try later\n");
  EXPECT_EQ(classify_send(false, 421, "x", r).kind, Kind::kTransient);
  EXPECT_EQ(classify_send(false, 421, "x", r).detail, "SMTP 421 4.3.2 try later (x)");
  // No code (the connection failed): libcurl's words alone.
  EXPECT_EQ(classify_send(false, 0, "Couldn't connect", r).detail, "Couldn't connect");
  EXPECT_EQ(classify_send(false, 0, "Couldn't connect", r).kind, Kind::kTransient);
  auto ok = classify_send(true, 250, "", r);
  EXPECT_EQ(ok.kind, Kind::kAccepted);
  EXPECT_EQ(ok.detail, "250");
}

TEST(SmtpReplyTest, ACodeNoLineCarriesStandsAlone) {
  SmtpReplies r;
  r.add("220 hi\n");
  EXPECT_EQ(classify_send(false, 554, "e", r).detail, "SMTP 554 (e)");
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
