#include "api/common/json_writer.h"

#include <gtest/gtest.h>

#include <cstdint>

#include <nlohmann/json.hpp>

namespace vouch::api {
namespace {

std::string dumped(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string written_string(std::string_view s) { return JsonWriter().string(s).take(); }

TEST(JsonWriterTest, StringsAreNlohmannsBytes) {
  const std::string cases[] = {
      "",
      "plain ascii ~!@#$%^&*()",
      "quote \" and backslash \\ and slash /",
      "controls \b\f\n\r\t and \x01\x1f",
      std::string("nul \0 inside", 12),
      "del \x7f kept",
      "UTF-8 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
      "broken UTF-8 \xc3 and \xff\xfe and \xe2\x82",
  };
  for (const auto& s : cases) EXPECT_EQ(written_string(s), dumped(s)) << s;
  EXPECT_EQ(written_string("plain"), "\"plain\"");  // the fast path, the control
}

TEST(JsonWriterTest, NestedValuesAndNumbers) {
  JsonWriter w;
  w.begin_object();
  w.key("a").begin_array().end_array();
  w.key("b").begin_object().end_object();
  w.key("c")
      .begin_array()
      .number(-9223372036854775807 - 1)
      .number(0)
      .number(4294967295)
      .end_array();
  w.key("d").boolean(true);
  w.key("e").boolean(false);
  w.key("f")
      .begin_array()
      .begin_object()
      .key("k")
      .string("v\n")
      .end_object()
      .string("x")
      .end_array();
  w.end_object();
  using nlohmann::json;
  json j = json::object();
  j["a"] = json::array();
  j["b"] = json::object();
  j["c"] = json::array({INT64_MIN, 0, uint32_t{4294967295}});
  j["d"] = true;
  j["e"] = false;
  j["f"] = json::array({json::object({{"k", "v\n"}}), "x"});
  EXPECT_EQ(w.take(), dumped(j));
}

}  // namespace
}  // namespace vouch::api
