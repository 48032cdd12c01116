// GET /_vouch/claims's query: each filter read, each bound refused with a
// ValidationException naming the field.
#include "api/control/claim_filter.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace vouch::api::control {
namespace {

service::ClaimFilter accepted(std::string_view query) {
  auto f = parse_claim_filter(query);
  if (auto* r = std::get_if<http::Response>(&f)) {
    ADD_FAILURE() << query << ": " << r->body;
    return {};
  }
  return std::get<service::ClaimFilter>(f);
}

// The field a ValidationException names, or "" when the query was accepted.
std::string refused(std::string_view query) {
  auto f = parse_claim_filter(query);
  auto* r = std::get_if<http::Response>(&f);
  if (!r) return "";
  EXPECT_EQ(r->status, 400) << query;
  bool typed = false;
  for (const auto& h : r->headers) typed |= h.value == "ValidationException";
  EXPECT_TRUE(typed) << query;
  auto body = nlohmann::json::parse(r->body, nullptr, false);
  return body.contains("fieldList") ? body["fieldList"][0].value("name", "?") : "?";
}

TEST(ClaimFilterTest, NoQueryIsEverythingAFullPageAtATime) {
  auto f = accepted("");
  EXPECT_EQ(f.after, 0);
  EXPECT_EQ(f.limit, service::ClaimAdmin::kPage);
  EXPECT_FALSE(f.kind);
  EXPECT_FALSE(f.status);
  EXPECT_EQ(f.subject_prefix, "");
}

TEST(ClaimFilterTest, EachFilterIsRead) {
  auto f = accepted("after=42&limit=25&status=verified&kind=lattice_domain&q=ex%40mple");
  EXPECT_EQ(f.after, 42);
  EXPECT_EQ(f.limit, 25u);
  EXPECT_EQ(f.status, core::ClaimStatus::kVerified);
  EXPECT_EQ(f.kind, core::ClaimKind::kLatticeDomain);
  EXPECT_EQ(f.subject_prefix, "ex@mple");
  EXPECT_EQ(accepted("kind=ses_mail_from_spf").kind, core::ClaimKind::kSesMailFromSpf);
  EXPECT_EQ(accepted("limit=500").limit, 500u);
  EXPECT_EQ(accepted("q=" + std::string(255, 'a')).subject_prefix.size(), 255u);
}

TEST(ClaimFilterTest, OutOfBoundsOrUnknownValuesAreRefused) {
  const std::pair<const char*, const char*> cases[] = {
      {"limit=0", "limit"},         {"limit=501", "limit"}, {"limit=-1", "limit"},
      {"limit=ten", "limit"},       {"after=-1", "after"},  {"after=1x", "after"},
      {"status=Success", "status"}, {"status=", "status"},  {"kind=ses", "kind"},
      {"kind=SES_DOMAIN", "kind"},  {"q=%01", "q"},         {"q=a%7Fb", "q"}};
  for (const auto& [query, field] : cases) EXPECT_EQ(refused(query), field) << query;
  EXPECT_EQ(refused("q=" + std::string(256, 'a')), "q");
  EXPECT_EQ(refused("q=" + std::string(255, 'a')), "");  // the positive control
}

}  // namespace
}  // namespace vouch::api::control
