#include "core/tags.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vouch::core {
namespace {

std::string repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

const std::string kE = "\xC3\xA9";  // é: one character, two bytes

Tags many_tags(size_t n) {
  Tags t;
  for (size_t i = 0; i < n; ++i) t["k" + std::to_string(i)] = "v";
  return t;
}

std::vector<std::string> many_keys(size_t n) {
  std::vector<std::string> keys;
  for (size_t i = 0; i < n; ++i) keys.push_back("k" + std::to_string(i));
  return keys;
}

void expect_invalid(const Status& s, std::string_view field, std::string_view message_part) {
  ASSERT_FALSE(s.ok()) << "expected a validation error for " << field;
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.error().field, field);
  EXPECT_NE(s.error().message.find(message_part), std::string::npos) << s.error().message;
  EXPECT_EQ(s.error().message.rfind("1 validation error detected: ", 0), 0u) << s.error().message;
}

TEST(Utf8LengthTest, CountsCodePoints) {
  EXPECT_EQ(utf8_length(""), 0);
  EXPECT_EQ(utf8_length("abc"), 3);
  EXPECT_EQ(utf8_length(kE), 1);
  EXPECT_EQ(utf8_length("\xE2\x82\xAC"), 1);      // €
  EXPECT_EQ(utf8_length("\xF0\x9F\x98\x80"), 1);  // 😀
  EXPECT_EQ(utf8_length("a" + kE + "\xE2\x82\xAC"), 3);
  EXPECT_EQ(utf8_length(repeat(kE, 128)), 128);
}

TEST(Utf8LengthTest, RejectsInvalidUtf8) {
  EXPECT_EQ(utf8_length("\xC3"), -1);      // truncated
  EXPECT_EQ(utf8_length("\x80"), -1);      // lone continuation
  EXPECT_EQ(utf8_length("\xC3\x28"), -1);  // bad continuation
  EXPECT_EQ(utf8_length("\xFF"), -1);
  EXPECT_EQ(utf8_length("ab\xE2\x82"), -1);
}

TEST(TagsTest, EmptyAndOrdinaryTagsAreValid) {
  EXPECT_TRUE(validate_tags({}, "tags").ok());
  EXPECT_TRUE(validate_tags({{"env", "prod"}, {"team", ""}}, "tags").ok());
}

TEST(TagsTest, KeyLength) {
  EXPECT_TRUE(validate_tags({{"a", "v"}}, "tags").ok());
  EXPECT_TRUE(validate_tags({{std::string(128, 'k'), "v"}}, "tags").ok());
  const std::string k129(129, 'k');
  expect_invalid(validate_tags({{k129, "v"}}, "tags"), "tags." + k129,
                 "Member must have length between 1 and 128");
  expect_invalid(validate_tags({{"", "v"}}, "tags"), "tags.",
                 "Member must have length between 1 and 128");
}

TEST(TagsTest, KeyLengthCountsCharactersNotBytes) {
  const std::string k128 = repeat(kE, 128);  // 256 bytes
  EXPECT_TRUE(validate_tags({{k128, "v"}}, "tags").ok());
  const std::string k129 = repeat(kE, 129);
  expect_invalid(validate_tags({{k129, "v"}}, "tags"), "tags." + k129,
                 "Member must have length between 1 and 128");
}

TEST(TagsTest, ValueLength) {
  EXPECT_TRUE(validate_tags({{"k", ""}}, "tags").ok());
  EXPECT_TRUE(validate_tags({{"k", std::string(256, 'v')}}, "tags").ok());
  EXPECT_TRUE(validate_tags({{"k", repeat(kE, 256)}}, "tags").ok());  // 512 bytes
  expect_invalid(validate_tags({{"k", std::string(257, 'v')}}, "tags"), "tags.k",
                 "Member must have length less than or equal to 256");
  expect_invalid(validate_tags({{"k", repeat(kE, 257)}}, "tags"), "tags.k",
                 "Member must have length less than or equal to 256");
}

TEST(TagsTest, AllowedCharacters) {
  const std::string all = "azAZ09 _.:/=+-@";
  EXPECT_TRUE(validate_tags({{all, all}}, "tags").ok());
  EXPECT_TRUE(validate_tags({{"k\tk", "v\tv"}}, "tags").ok());  // white space
  EXPECT_TRUE(validate_tags({{"cl\xC3\xA9", "\xE6\x97\xA5\xE6\x9C\xAC"}}, "tags").ok());  // letters
}

TEST(TagsTest, DisallowedCharactersInKeys) {
  for (std::string bad : {"a!",  "a#", "a*", "a,b", "a%", "a\"", "a<", "a;", "a?", "a&", "a\n",
                          "a\\", "a(", "a[", "a{",  "a|", "a~",  "a^", "a$", "a'", "a`"}) {
    SCOPED_TRACE(bad);
    expect_invalid(validate_tags({{bad, "v"}}, "tags"), "tags." + bad,
                   "Member must satisfy regular expression pattern");
  }
}

TEST(TagsTest, DisallowedCharactersInValues) {
  for (std::string bad : {"v!", "v#", "v*", "v,", "v%", "v\"", "v\x01", "v;"}) {
    SCOPED_TRACE(bad);
    expect_invalid(validate_tags({{"k", bad}}, "tags"), "tags.k",
                   "Member must satisfy regular expression pattern");
  }
}

TEST(TagsTest, InvalidUtf8IsRejected) {
  EXPECT_FALSE(validate_tags({{"k\xC3", "v"}}, "tags").ok());
  EXPECT_FALSE(validate_tags({{"k", "v\xC3"}}, "tags").ok());
  EXPECT_FALSE(validate_tag_keys({"k\xFF"}, "tagKeys").ok());
}

TEST(TagsTest, AwsPrefixIsReservedForKeysOnly) {
  expect_invalid(validate_tags({{"aws:name", "v"}}, "tags"), "tags.aws:name",
                 "Tag keys must not start with 'aws:'");
  expect_invalid(validate_tags({{"aws:", "v"}}, "tags"), "tags.aws:", "must not start with 'aws:'");
  EXPECT_TRUE(validate_tags({{"awsname", "v"}}, "tags").ok());
  EXPECT_TRUE(validate_tags({{"my:aws:name", "v"}}, "tags").ok());
  EXPECT_TRUE(validate_tags({{"k", "aws:value"}}, "tags").ok());
  expect_invalid(validate_tag_keys({"aws:x"}, "tagKeys"), "tagKeys", "must not start with 'aws:'");
}

TEST(TagsTest, FiftyTagsPerResource) {
  EXPECT_EQ(kMaxTagsPerResource, 50u);
  EXPECT_TRUE(validate_tags(many_tags(50), "tags").ok());
  expect_invalid(validate_tags(many_tags(51), "tags"), "tags",
                 "Member must have length less than or equal to 50");
}

TEST(TagsTest, FieldNameIsUsedInErrors) {
  expect_invalid(validate_tags(many_tags(51), "Tags"), "Tags", "at 'Tags'");
  expect_invalid(validate_tags({{"aws:k", "v"}}, "labels"), "labels.aws:k", "at 'labels.aws:k'");
}

TEST(TagKeysTest, TwoHundredKeysPerCall) {
  EXPECT_EQ(kMaxTagKeysPerCall, 200u);
  EXPECT_TRUE(validate_tag_keys({}, "tagKeys").ok());
  EXPECT_TRUE(validate_tag_keys(many_keys(200), "tagKeys").ok());
  expect_invalid(validate_tag_keys(many_keys(201), "tagKeys"), "tagKeys",
                 "Member must have length less than or equal to 200");
}

TEST(TagKeysTest, EachKeyIsChecked) {
  EXPECT_TRUE(validate_tag_keys({std::string(128, 'k'), repeat(kE, 128)}, "tagKeys").ok());
  expect_invalid(validate_tag_keys({"ok", std::string(129, 'k')}, "tagKeys"), "tagKeys",
                 "Member must have length between 1 and 128");
  expect_invalid(validate_tag_keys({repeat(kE, 129)}, "tagKeys"), "tagKeys",
                 "Member must have length between 1 and 128");
  expect_invalid(validate_tag_keys({""}, "tagKeys"), "tagKeys", "between 1 and 128");
  expect_invalid(validate_tag_keys({"a*b"}, "tagKeys"), "tagKeys", "regular expression pattern");
}

TEST(ConstraintMessageTest, AwsForm) {
  EXPECT_EQ(constraint_message("x!", "domainName", "Member must be a valid domain name"),
            "1 validation error detected: Value 'x!' at 'domainName' failed to satisfy constraint: "
            "Member must be a valid domain name");
}

TEST(TagsTest, MergeOverwritesAndCountsOnlyTheCallersTags) {
  Tags tags{{"a", "1"}, {"aws:vouch:setting", "x"}};
  ASSERT_TRUE(merge_tags(tags, {{"a", "2"}, {"b", "3"}}, "Tags").ok());
  EXPECT_EQ(tags, (Tags{{"a", "2"}, {"aws:vouch:setting", "x"}, {"b", "3"}}));
  EXPECT_EQ(user_tags(tags), (Tags{{"a", "2"}, {"b", "3"}}));
  Tags many;
  for (size_t i = 0; i < kMaxTagsPerResource - 2; ++i) many["k" + std::to_string(i)] = "v";
  ASSERT_TRUE(merge_tags(tags, many, "Tags").ok());  // 50 of the caller's, plus the setting
  EXPECT_EQ(user_tags(tags).size(), kMaxTagsPerResource);
  const Tags before = tags;
  auto s = merge_tags(tags, {{"one-more", "v"}}, "Tags");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.error().field, "Tags");
  EXPECT_EQ(tags, before);  // unchanged
}

}  // namespace
}  // namespace vouch::core
