// Webhooks: what a registration must be (URL, event types, the per-account
// limit) and what it gets (id, secret, time), over a real SqliteStore.
#include "service/webhooks.h"

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"
#include "testing/printers.h"
#include "testing/temp_dir.h"

namespace vouch::service {
namespace {

TEST(WebhookUrl, HttpAndHttpsWithAHostAreTaken) {
  for (const char* url :
       {"https://hooks.example.com/vouch", "http://h.example", "HTTPS://H.EXAMPLE/x?y=1#z",
        "http://10.0.0.1:8080/", "http://[::1]:9/p", "https://h.example:443"}) {
    EXPECT_EQ(Webhooks::url_problem(url), std::nullopt) << url;
  }
}

TEST(WebhookUrl, EverythingElseIsRefusedWithWhy) {
  const std::pair<std::string, std::string> kBad[] = {
      {"ftp://h.example/", "http:// or https://"},
      {"h.example/hook", "http:// or https://"},
      {"http://", "host"},
      {"http:///path", "host"},
      {"http://:80/", "host"},
      {"https://user:pw@h.example/", "user name or password"},
      {"https://user@h.example/", "user name or password"},
      {"https://h.example:0/", "port"},
      {"https://h.example:65536/", "port"},
      {"https://h.example:x/", "port"},
      {"https://[::1/", "IPv6"},
      {"https://h.example/a b", "spaces"},
      {"https://h.example/\n", "control"},
      {"https://h.example/" + std::string(2048, 'a'), "2048"},
  };
  for (const auto& [url, why] : kBad) {
    auto problem = Webhooks::url_problem(url);
    ASSERT_TRUE(problem.has_value()) << url;
    EXPECT_NE(problem->find(why), std::string::npos) << url << ": " << *problem;
    EXPECT_EQ(problem->rfind("url ", 0), 0u) << "names the field: " << *problem;
  }
  EXPECT_EQ(Webhooks::url_problem("https://h.example/" + std::string(2048 - 18, 'a')), std::nullopt)
      << "2048 bytes exactly is fine";
}

class WebhooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::sqlite::SqliteStore::open(dir_.path() + "/vouch.db");
    ASSERT_OK(s);
    store_ = std::move(*s);
  }
  testing::TempDir dir_;
  std::unique_ptr<core::Store> store_;
  core::ManualClock clock_{core::TimePoint(std::chrono::nanoseconds(1'700'000'000'123'456'789))};
  core::SeededRandom random_{1};
};

TEST_F(WebhooksTest, CreateGivesAnIdASecretAndTheTimeInMilliseconds) {
  Webhooks hooks(*store_, clock_, random_);
  auto w = hooks.create("111122223333", "https://h.example/",
                        {"ses.dkim.status_changed", "ses.dkim.status_changed"});
  ASSERT_OK(w);
  EXPECT_EQ(w->id.rfind("wh-", 0), 0u);
  EXPECT_EQ(w->id.size(), 3u + 16);
  EXPECT_EQ(w->secret.rfind("whsec_", 0), 0u);
  EXPECT_EQ(w->secret.size(), 6u + 64) << "32 random bytes";
  EXPECT_EQ(w->event_types, std::vector<std::string>{"ses.dkim.status_changed"}) << "deduplicated";
  EXPECT_EQ(w->created_at.time_since_epoch(), std::chrono::nanoseconds(1'700'000'000'123'000'000));
  auto other = hooks.create("111122223333", "https://h.example/", {});
  ASSERT_OK(other);
  EXPECT_NE(other->id, w->id);
  EXPECT_NE(other->secret, w->secret);
}

TEST_F(WebhooksTest, BadInputNamesItsFieldAndTheLimitHolds) {
  Webhooks hooks(*store_, clock_, random_);
  auto bad_url = hooks.create("111122223333", "gopher://h.example/", {});
  ASSERT_FALSE(bad_url.ok());
  EXPECT_EQ(bad_url.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad_url.error().field, "url");
  auto bad_type = hooks.create("111122223333", "https://h.example/", {"ses.identity.created"});
  ASSERT_FALSE(bad_type.ok());
  EXPECT_EQ(bad_type.error().field, "event_types");
  for (size_t i = 0; i < kMaxWebhooksPerAccount; ++i) {
    ASSERT_OK(hooks.create("111122223333", "https://h.example/", {}));
  }
  auto full = hooks.create("111122223333", "https://h.example/", {});
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, core::ErrorCode::kQuotaExceeded);
  EXPECT_EQ(full.error().message, "An account can have at most 10 webhooks.");
  ASSERT_OK(hooks.create("444455556666", "https://h.example/", {}));  // another account's own

  auto listed = hooks.list("111122223333");
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), kMaxWebhooksPerAccount);
  auto missing = hooks.remove("444455556666", (*listed)[0].webhook.id);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
  EXPECT_OK(hooks.remove("111122223333", (*listed)[0].webhook.id));
}

}  // namespace
}  // namespace vouch::service
