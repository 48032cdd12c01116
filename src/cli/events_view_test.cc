#include "cli/events_view.h"

#include <gtest/gtest.h>

#include "cli/claims_view.h"

namespace vouch::cli {
namespace {

using nlohmann::json;

json event(const std::string& id, const std::string& type, const json& resource,
           const std::string& from, const std::string& to) {
  return {{"id", id},
          {"type", type},
          {"time", "2026-12-04T22:14:44.123Z"},
          {"resource", resource},
          {"old_status", from},
          {"new_status", to}};
}

TEST(EventsViewTest, OneRowAnEventInFixedColumnsThatFit) {
  const std::string header = events_header();
  EXPECT_EQ(header.rfind("ID ", 0), 0u);
  const std::string ses = event_row(event("evt-7", "ses.identity.status_changed",
                                          {{"identity", "example.com"}}, "Pending", "Success"));
  EXPECT_EQ(ses, "evt-7      12-04 22:14:44  identity   Pending -> Success  example.com\n");
  // The columns line up under the header.
  EXPECT_EQ(header.find("CHANGE"), ses.find("Pending"));
  EXPECT_EQ(header.find("RESOURCE"), ses.find("example.com"));
  const std::string lattice = event_row(
      event("evt-12345678901", "vpc-lattice.domain_verification.status_changed",
            {{"domainVerificationId", "dv-1"}, {"domainName", "a.example.org"}}, "PENDING",
            "VERIFICATION_TIMED_OUT"));
  EXPECT_NE(lattice.find("lattice"), std::string::npos);
  EXPECT_NE(lattice.find("PENDING -> VERIFICATION_TIMED_OUT  a.example.org"), std::string::npos);
  // A name of 21 fits 80 columns; a longer one is shown whole.
  const std::string name21 = "abcdefghij.example.co";
  const std::string fits = event_row(
      event("evt-8", "ses.mail_from.status_changed", {{"identity", name21}}, "Success", "Failed"));
  EXPECT_EQ(fits.size(), kTableWidth);
  EXPECT_NE(fits.find("mail_from"), std::string::npos);
  const std::string long_name(120, 'x');
  EXPECT_NE(event_row(event("evt-8", "ses.dkim.status_changed", {{"identity", long_name}},
                            "Success", "Failed"))
                .find(long_name + "\n"),
            std::string::npos);
}

TEST(EventsViewTest, WebhooksTableWithHealthAndTheLastError) {
  const json hooks = json::array(
      {{{"id", "wh-1"},
        {"url", "https://receiver.example/hook"},
        {"event_types", json::array()},
        {"disabled", false},
        {"health", {{"delivered", 12}, {"failed", 1}, {"pending", 0}, {"last_error", nullptr}}}},
       {{"id", "wh-2"},
        {"url", "http://127.0.0.1:9/x"},
        {"event_types", {"ses.dkim.status_changed", "ses.identity.status_changed"}},
        {"disabled", true},
        {"health",
         {{"delivered", 0},
          {"failed", 3},
          {"pending", 2},
          {"last_attempt_at", "2026-12-04T22:00:00Z"},
          {"last_error", "HTTP 410\nGone"}}}}});
  const std::string t = webhooks_table(hooks);
  EXPECT_EQ(t.rfind("ID  ", 0), 0u) << t;
  EXPECT_NE(
      t.find("wh-1  active    12/1/0          all            https://receiver.example/hook\n"),
      std::string::npos)
      << t;
  EXPECT_NE(t.find("https://receiver.example/hook"), std::string::npos) << t;
  EXPECT_NE(t.find("wh-2  disabled  0/3/2           dkim,identity  http://127.0.0.1:9/x\n"),
            std::string::npos)
      << t;
  // The receiver's answer stays on one line.
  EXPECT_NE(t.find("  last error (2026-12-04T22:00:00Z): HTTP 410 Gone\n"), std::string::npos) << t;
  for (size_t at = 0, nl; (nl = t.find('\n', at)) != std::string::npos; at = nl + 1) {
    EXPECT_LT(nl - at, kTableWidth) << t.substr(at, nl - at);
  }
  EXPECT_EQ(webhooks_table(json::array()), "ID  STATE     SENT/FAIL/WAIT  TYPES  URL\n");
}

TEST(EventsViewTest, AddedShowsTheSecretOnceWithTheWarning) {
  const std::string t = webhook_added_text({{"id", "wh-9"},
                                            {"url", "https://h.example/"},
                                            {"event_types", {"ses.dkim.status_changed"}},
                                            {"secret", "whsec_abc"}});
  EXPECT_NE(t.find("added webhook wh-9 for https://h.example/ (events: dkim)"), std::string::npos);
  EXPECT_NE(t.find("secret: whsec_abc\n"), std::string::npos);
  EXPECT_NE(t.find("will not be shown again"), std::string::npos);
}

}  // namespace
}  // namespace vouch::cli
