// url_decode, parse_form and FormParams: how awsQuery parameters are read.
#include "api/common/form.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace vouch::api {
namespace {

using Items = std::vector<std::pair<std::string, std::string>>;
using Strings = std::vector<std::string>;

TEST(UrlDecode, PlainAndEscapes) {
  EXPECT_EQ(url_decode("", false), std::optional<std::string>(""));
  EXPECT_EQ(url_decode("abc", false), std::optional<std::string>("abc"));
  EXPECT_EQ(url_decode("%41", false), std::optional<std::string>("A"));
  EXPECT_EQ(url_decode("%4a%4A", false), std::optional<std::string>("JJ"));
  EXPECT_EQ(url_decode("user%40example.com", true), std::optional<std::string>("user@example.com"));
  EXPECT_EQ(url_decode("a%2Bb", true), std::optional<std::string>("a+b"));
  EXPECT_EQ(url_decode("%25", false), std::optional<std::string>("%"));
  EXPECT_EQ(url_decode("%2541", false), std::optional<std::string>("%41"));  // decoded once only
  EXPECT_EQ(url_decode("%00", false), std::optional<std::string>(std::string(1, '\0')));
}

TEST(UrlDecode, PlusIsSpaceOnlyWhenAsked) {
  EXPECT_EQ(url_decode("a+b", true), std::optional<std::string>("a b"));
  EXPECT_EQ(url_decode("a+b", false), std::optional<std::string>("a+b"));
  EXPECT_EQ(url_decode("++", true), std::optional<std::string>("  "));
  EXPECT_EQ(url_decode("%20", false), std::optional<std::string>(" "));
}

TEST(UrlDecode, BadEscapes) {
  EXPECT_EQ(url_decode("%4", false), std::nullopt);
  EXPECT_EQ(url_decode("%zz", false), std::nullopt);
  EXPECT_EQ(url_decode("%", false), std::nullopt);
  EXPECT_EQ(url_decode("abc%", true), std::nullopt);
  EXPECT_EQ(url_decode("abc%4", true), std::nullopt);
  EXPECT_EQ(url_decode("%g1", false), std::nullopt);
  EXPECT_EQ(url_decode("%1g", false), std::nullopt);
  EXPECT_EQ(url_decode("ok%41then%x", false), std::nullopt);
}

TEST(UrlDecode, Utf8Bytes) {
  // "é" and "日" percent-encoded as UTF-8 come back as their raw bytes.
  EXPECT_EQ(url_decode("caf%C3%A9", false), std::optional<std::string>("caf\xC3\xA9"));
  EXPECT_EQ(url_decode("%E6%97%A5", false), std::optional<std::string>("\xE6\x97\xA5"));
  // Raw (unencoded) UTF-8 passes through unchanged.
  EXPECT_EQ(url_decode("\xC3\xA9", true), std::optional<std::string>("\xC3\xA9"));
  auto high = url_decode("%FF%80", false);
  ASSERT_TRUE(high);
  ASSERT_EQ(high->size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>((*high)[0]), 0xFF);
  EXPECT_EQ(static_cast<unsigned char>((*high)[1]), 0x80);
}

TEST(ParseForm, Empty) {
  auto p = parse_form("");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->items.empty());
}

TEST(ParseForm, Pairs) {
  auto p = parse_form("a=1&b=2");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->items, (Items{{"a", "1"}, {"b", "2"}}));
  ASSERT_NE(p->get("a"), nullptr);
  EXPECT_EQ(*p->get("a"), "1");
  EXPECT_EQ(*p->get("b"), "2");
  EXPECT_EQ(p->get("c"), nullptr);
  EXPECT_EQ(p->get("A"), nullptr);  // names are case-sensitive
}

TEST(ParseForm, DecodesNamesAndValues) {
  auto p = parse_form("Email%41ddress=a+b%40c.com&x%2By=%3D");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->items, (Items{{"EmailAddress", "a b@c.com"}, {"x+y", "="}}));
}

TEST(ParseForm, EmptyValuesAndNoEquals) {
  auto p = parse_form("Identities=&a&b=");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->items, (Items{{"Identities", ""}, {"a", ""}, {"b", ""}}));
  ASSERT_NE(p->get("a"), nullptr);
  EXPECT_EQ(*p->get("a"), "");
}

TEST(ParseForm, ValueKeepsLaterEquals) {
  auto p = parse_form("t=a=b=c");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->items, (Items{{"t", "a=b=c"}}));
}

TEST(ParseForm, RepeatedKeysKeepOrderAndGetReturnsFirst) {
  auto p = parse_form("k=1&j=x&k=2&k=3");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->items, (Items{{"k", "1"}, {"j", "x"}, {"k", "2"}, {"k", "3"}}));
  EXPECT_EQ(*p->get("k"), "1");
}

TEST(ParseForm, EmptyPairsAreSkipped) {
  auto p = parse_form("&&a=1&&b=2&");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->items, (Items{{"a", "1"}, {"b", "2"}}));
  auto only = parse_form("&&&");
  ASSERT_TRUE(only);
  EXPECT_TRUE(only->items.empty());
}

TEST(ParseForm, MalformedEscapeRejectsWholeForm) {
  EXPECT_EQ(parse_form("a=1&b=%zz"), std::nullopt);
  EXPECT_EQ(parse_form("a%=1"), std::nullopt);
  EXPECT_EQ(parse_form("a=%"), std::nullopt);
  EXPECT_EQ(parse_form("a=%4"), std::nullopt);
}

FormParams members(const Strings& indices) {
  FormParams p;
  for (const auto& i : indices) p.items.emplace_back("Identities.member." + i, "id" + i);
  return p;
}

TEST(FormList, NumericOrderEvenWhenShuffled) {
  Strings idx;
  for (int i = 1; i <= 11; ++i) idx.push_back(std::to_string(i));
  std::mt19937 rng(7);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(idx.begin(), idx.end(), rng);
    FormParams p = members(idx);
    p.items.emplace_back("Action", "GetIdentityVerificationAttributes");
    EXPECT_EQ(p.list("Identities"), (Strings{"id1", "id2", "id3", "id4", "id5", "id6", "id7", "id8",
                                             "id9", "id10", "id11"}));
  }
}

TEST(FormList, TenSortsAfterNine) {
  // Lexical order would put 10 and 11 before 2.
  FormParams p = members({"11", "10", "9", "2", "1", "3", "4", "5", "6", "7", "8"});
  Strings got = p.list("Identities");
  ASSERT_EQ(got.size(), 11u);
  EXPECT_EQ(got[1], "id2");
  EXPECT_EQ(got[9], "id10");
  EXPECT_EQ(got[10], "id11");
}

TEST(FormList, StopsAtFirstGap) {
  EXPECT_EQ(members({"1", "2", "4", "5"}).list("Identities"), (Strings{"id1", "id2"}));
  EXPECT_EQ(members({"2", "3"}).list("Identities"), Strings{});
}

TEST(FormList, IgnoresBadIndices) {
  FormParams p = members({"0", "1", "x", "1x", "-1", "", "2"});
  EXPECT_EQ(p.list("Identities"), (Strings{"id1", "id2"}));
  FormParams only_bad = members({"0", "x", "1x"});
  EXPECT_EQ(only_bad.list("Identities"), Strings{});
}

TEST(FormList, OtherPrefixesAndShapesIgnored) {
  FormParams p;
  p.items = {{"Identities", ""},
             {"Identities.member", "no-index"},
             {"Identities.entry.1", "entry"},
             {"IdentitiesX.member.1", "other-list"},
             {"Other.member.1", "other"},
             {"identities.member.1", "lower-case"},
             {"Identities.member.1", "a"}};
  EXPECT_EQ(p.list("Identities"), (Strings{"a"}));
  EXPECT_EQ(p.list("Other"), (Strings{"other"}));
  EXPECT_EQ(p.list("Missing"), Strings{});
}

TEST(FormList, DuplicateIndexKeepsFirst) {
  FormParams p;
  p.items = {{"L.member.1", "first"}, {"L.member.1", "second"}, {"L.member.2", "b"}};
  EXPECT_EQ(p.list("L"), (Strings{"first", "b"}));
}

TEST(FormList, FromParsedBody) {
  auto p = parse_form("Action=GetIdentityVerificationAttributes&Identities.member.2=b%40x.com"
                      "&Identities.member.1=example.com&Version=2010-12-01");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->list("Identities"), (Strings{"example.com", "b@x.com"}));
}

}  // namespace
}  // namespace vouch::api
