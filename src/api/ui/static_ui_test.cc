// The console's static files: served from the embedded table with their
// type and a strict CSP, unknown files refused, and the whole UI small.
#include "api/ui/static_ui.h"

#include <gtest/gtest.h>

#include "api/ui/ui_files.h"

namespace vouch::api::ui {
namespace {

std::string header(const http::Response& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (http::iequals(h.name, name)) return h.value;
  }
  return "";
}

http::Response get(std::string target, std::vector<http::Header> headers = {}) {
  return serve(http::Request{"GET", std::move(target), std::move(headers), "", "rid"});
}

TEST(StaticUiTest, TheIndexIsServedAtTheRootWithSecurityHeaders) {
  http::Response r = get("/_vouch/ui/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("<!doctype html>"), std::string::npos);
  const std::string csp = header(r, "Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(r, "X-Frame-Options"), "DENY");
  EXPECT_EQ(header(r, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(get("/_vouch/ui/index.html").body, r.body);
}

TEST(StaticUiTest, ScriptsAndStylesCarryTheirTypes) {
  EXPECT_EQ(get("/_vouch/ui/js/app.js").content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(get("/_vouch/ui/app.css").content_type, "text/css; charset=utf-8");
}

TEST(StaticUiTest, UnknownFilesAreNotFoundAndStillCarryTheHeaders) {
  for (const char* t : {"/_vouch/ui/nope.js", "/_vouch/ui/../index.html", "/_vouch/ui/js/",
                        "/_vouch/ui//index.html"}) {
    http::Response r = get(t);
    EXPECT_EQ(r.status, 404) << t;
    EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff") << t;
  }
  EXPECT_EQ(get("/_vouch/ui/index.html?x=1").status, 200);  // a query does not change the file
}

TEST(StaticUiTest, TheBareRootRedirectsToTheSlash) {
  http::Response r = get("/_vouch/ui");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(header(r, "Location"), "/_vouch/ui/");
  EXPECT_TRUE(owns("/_vouch/ui"));
  EXPECT_FALSE(owns("/_vouch/uix"));
}

TEST(StaticUiTest, AMatchingETagAnswersNotModified) {
  http::Response first = get("/_vouch/ui/");
  const std::string tag = header(first, "ETag");
  ASSERT_FALSE(tag.empty());
  http::Response again = get("/_vouch/ui/", {{"If-None-Match", tag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(get("/_vouch/ui/", {{"If-None-Match", "\"other\""}}).status, 200);
}

TEST(StaticUiTest, WritesAreRefused) {
  http::Response r = serve(http::Request{"POST", "/_vouch/ui/", {}, "", "rid"});
  EXPECT_EQ(r.status, 405);
}

// Issue 17's budget: the whole console, uncompressed, under 200 KB.
TEST(StaticUiTest, TheWholeUiStaysUnder200Kilobytes) {
  size_t total = 0;
  for (const auto& f : ui_files()) total += f.body.size();
  EXPECT_GT(total, 0u);
  EXPECT_LT(total, 200u * 1000u) << "the console's files add up to " << total << " bytes";
}

}  // namespace
}  // namespace vouch::api::ui
