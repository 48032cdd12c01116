#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace vouch::metrics {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(Registry, CounterWithLabelsHasHelpTypeAndOneLinePerSeries) {
  Registry r;
  auto& c = r.counter("vouch_x_total", "Things done.", {"api", "code"});
  c.with({"ses", "200"}).inc();
  c.with({"ses", "200"}).inc(2);
  c.with({"sesv2", "404"}).inc();
  const std::string text = r.expose();
  EXPECT_TRUE(has_line(text, "# HELP vouch_x_total Things done.")) << text;
  EXPECT_TRUE(has_line(text, "# TYPE vouch_x_total counter")) << text;
  EXPECT_TRUE(has_line(text, "vouch_x_total{api=\"ses\",code=\"200\"} 3")) << text;
  EXPECT_TRUE(has_line(text, "vouch_x_total{api=\"sesv2\",code=\"404\"} 1")) << text;
}

TEST(Registry, SameNameTwiceIsTheSameFamily) {
  Registry r;
  auto& a = r.counter("vouch_y_total", "Y.", {"k"});
  auto& b = r.counter("vouch_y_total", "Y.", {"k"});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(&a.with({"v"}), &b.with({"v"}));
}

TEST(Registry, LabelValuesAreEscaped) {
  Registry r;
  r.counter("vouch_e_total", "E.", {"v"}).with({"a\\b\"c\nd"}).inc();
  EXPECT_TRUE(has_line(r.expose(), "vouch_e_total{v=\"a\\\\b\\\"c\\nd\"} 1")) << r.expose();
  EXPECT_EQ(escape_label_value("plain"), "plain");
}

TEST(Registry, HelpIsEscaped) {
  Registry r;
  r.gauge_fn("vouch_h", "back\\slash\nnewline", [] { return 1.0; });
  EXPECT_TRUE(has_line(r.expose(), "# HELP vouch_h back\\\\slash\\nnewline")) << r.expose();
}

TEST(Registry, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry r;
  auto& h = r.histogram("vouch_d_seconds", "D.", {"op"}, {0.1, 1, 0.5}).with({"x"});
  h.observe(0.05);  // <= 0.1
  h.observe(0.1);   // le is inclusive
  h.observe(0.7);   // <= 1
  h.observe(30);    // +Inf only
  const std::string text = r.expose();
  EXPECT_TRUE(has_line(text, "# TYPE vouch_d_seconds histogram")) << text;
  EXPECT_TRUE(has_line(text, "vouch_d_seconds_bucket{op=\"x\",le=\"0.1\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "vouch_d_seconds_bucket{op=\"x\",le=\"0.5\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "vouch_d_seconds_bucket{op=\"x\",le=\"1\"} 3")) << text;
  EXPECT_TRUE(has_line(text, "vouch_d_seconds_bucket{op=\"x\",le=\"+Inf\"} 4")) << text;
  EXPECT_TRUE(has_line(text, "vouch_d_seconds_sum{op=\"x\"} 30.85")) << text;
  EXPECT_TRUE(has_line(text, "vouch_d_seconds_count{op=\"x\"} 4")) << text;
}

TEST(Registry, UnlabelledHistogramHasOnlyLe) {
  Registry r;
  r.histogram("vouch_u_seconds", "U.", {}, {1}).with({}).observe(2);
  EXPECT_TRUE(has_line(r.expose(), "vouch_u_seconds_bucket{le=\"1\"} 0")) << r.expose();
  EXPECT_TRUE(has_line(r.expose(), "vouch_u_seconds_count 1")) << r.expose();
}

TEST(Registry, GaugesSetAndReadAtScrape) {
  Registry r;
  r.gauge("vouch_g", "G.").with({}).set(2.5);
  double depth = 3;
  r.gauge_fn("vouch_depth", "Depth.", [&depth] { return depth; });
  depth = 7;
  const std::string text = r.expose();
  EXPECT_TRUE(has_line(text, "# TYPE vouch_g gauge")) << text;
  EXPECT_TRUE(has_line(text, "vouch_g 2.5")) << text;
  EXPECT_TRUE(has_line(text, "vouch_depth 7")) << text;
}

TEST(Registry, SeriesPastTheCapFoldIntoOther) {
  Registry r;
  auto& c = r.counter("vouch_cap_total", "Cap.", {"k"});
  for (size_t i = 0; i < Family<Counter>::kMaxSeries; ++i) c.with({std::to_string(i)}).inc();
  c.with({"one-too-many"}).inc();
  c.with({"two-too-many"}).inc();
  const std::string text = r.expose();
  EXPECT_TRUE(has_line(text, "vouch_cap_total{k=\"other\"} 2")) << text.substr(0, 200);
  EXPECT_EQ(text.find("too-many"), std::string::npos);
  // A series there before the cap still counts on its own.
  c.with({"5"}).inc();
  EXPECT_EQ(c.with({"5"}).value(), 2u);
}

TEST(Registry, WrongLabelCountIsAProgrammingError) {
  Registry r;
  auto& c = r.counter("vouch_l_total", "L.", {"a", "b"});
  EXPECT_THROW(c.with({"x"}), std::logic_error);
}

TEST(Registry, ValuesFormatAsPrometheusReadsThem) {
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
  EXPECT_EQ(format_value(0.0005), "0.0005");
  EXPECT_EQ(format_value(10), "10");
}

}  // namespace
}  // namespace vouch::metrics
