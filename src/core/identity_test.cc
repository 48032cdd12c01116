#include "core/identity.h"

#include "core/claim.h"
#include "testing/domains.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vouch::core {
namespace {

// Expected punycode forms were computed independently with Python's codecs
// (IDNA 2003 and IDNA 2008 agree on all of these):
//   python3 -c "print('bücher.example'.encode('idna'))"  -> xn--bcher-kva.example
//   python3 -c "print('例え.jp'.encode('idna'))"          -> xn--r8jz45g.jp
//   python3 -c "print('münchen.de'.encode('idna'))"      -> xn--mnchen-3ya.de
//   python3 -c "print('日本語.jp'.encode('idna'))"        -> xn--wgv71a119e.jp
//   python3 -c "print('ñandú.com'.encode('idna'))"       -> xn--and-6ma2c.com

void expect_domain(const std::string& input, const std::string& want) {
  auto r = normalize_domain(input);
  ASSERT_TRUE(r.ok()) << input << ": " << r.error().message;
  EXPECT_EQ(*r, want) << input;
}

void expect_bad_domain(const std::string& input) {
  auto r = normalize_domain(input);
  ASSERT_FALSE(r.ok()) << "accepted '" << input << "' as " << *r;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << input;
  EXPECT_EQ(r.error().message, "Invalid domain name " + input + ".");
}

void expect_email(const std::string& input, const std::string& want) {
  auto r = normalize_email(input);
  ASSERT_TRUE(r.ok()) << input << ": " << r.error().message;
  EXPECT_EQ(*r, want) << input;
}

void expect_bad_email(const std::string& input) {
  auto r = normalize_email(input);
  ASSERT_FALSE(r.ok()) << "accepted '" << input << "' as " << *r;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << input;
  EXPECT_EQ(r.error().message, "Invalid email address " + input + ".");
}

// n labels joined by dots.
std::string name_of_labels(const std::vector<std::string>& labels) {
  std::string out;
  for (const auto& l : labels) {
    if (!out.empty()) out += '.';
    out += l;
  }
  return out;
}

TEST(NormalizeDomainTest, PlainNamesPassThrough) {
  expect_domain("example.com", "example.com");
  expect_domain("a.b", "a.b");
  expect_domain("sub.example.co.uk", "sub.example.co.uk");
  expect_domain("my-host.example", "my-host.example");
  expect_domain("a-b-c.d-e", "a-b-c.d-e");
  expect_domain("123.example", "123.example");
  expect_domain("1.2.3.4", "1.2.3.4");
  expect_domain("xn--bcher-kva.example", "xn--bcher-kva.example");  // already ASCII form
}

TEST(NormalizeDomainTest, LowerCases) {
  expect_domain("Example.COM", "example.com");
  expect_domain("EXAMPLE.COM", "example.com");
  expect_domain("MiXeD-Case.Example.Org", "mixed-case.example.org");
  expect_domain("XN--BCHER-KVA.EXAMPLE", "xn--bcher-kva.example");
}

TEST(NormalizeDomainTest, InternationalNamesBecomePunycode) {
  expect_domain("bücher.example", "xn--bcher-kva.example");
  expect_domain("BÜCHER.example", "xn--bcher-kva.example");
  expect_domain("Bücher.EXAMPLE", "xn--bcher-kva.example");
  expect_domain("例え.jp", "xn--r8jz45g.jp");
  expect_domain("münchen.de", "xn--mnchen-3ya.de");
  expect_domain("日本語.jp", "xn--wgv71a119e.jp");
  expect_domain("ñandú.com", "xn--and-6ma2c.com");
  expect_domain("www.bücher.example", "www.xn--bcher-kva.example");
  // Composed and decomposed ü (u + U+0308) are the same name.
  expect_domain("bu\xcc\x88"
                "cher.example",
                "xn--bcher-kva.example");
  // The ideographic full stop separates labels too (UTS #46 mapping).
  expect_domain("例え\xe3\x80\x82jp", "xn--r8jz45g.jp");
}

TEST(NormalizeDomainTest, LengthLimits) {
  const std::string l63(63, 'a');
  const std::string l64(64, 'a');
  expect_domain(l63 + ".com", l63 + ".com");
  expect_domain("x." + l63, "x." + l63);
  expect_bad_domain(l64 + ".com");
  expect_bad_domain("x." + l64);

  // 253 characters in all: 63 + 1 + 63 + 1 + 63 + 1 + 61.
  const std::string n253 = name_of_labels({l63, l63, l63, std::string(61, 'b')});
  ASSERT_EQ(n253.size(), 253u);
  expect_domain(n253, n253);
  const std::string n254 = name_of_labels({l63, l63, l63, std::string(62, 'b')});
  ASSERT_EQ(n254.size(), 254u);
  expect_bad_domain(n254);
  // Upper case in a 253-character name still fits.
  std::string upper253 = n253;
  upper253[0] = 'A';
  expect_domain(upper253, n253);
}

using vouch::testing::domain_of_length;

void expect_record_fits(size_t prefix, size_t longest) {
  SCOPED_TRACE("prefix " + std::to_string(prefix));
  const std::string fits = domain_of_length(longest);
  ASSERT_EQ(fits.size(), longest);
  auto r = normalize_domain(fits, prefix);
  EXPECT_TRUE(r.ok()) << r.error().message;
  const std::string over = domain_of_length(longest + 1);
  ASSERT_EQ(over.size(), longest + 1);
  if (prefix > 0) {
    EXPECT_TRUE(normalize_domain(over).ok());  // only its record is too long
  }
  auto bad = normalize_domain(over, prefix);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message, "Invalid domain name " + over + ".");
}

// A record name <prefix><domain> must fit 253 characters (255 wire octets).
TEST(NormalizeDomainTest, TheRecordNameMustFitADnsName) {
  expect_record_fits(0, 253);
  expect_record_fits(kSesTxtPrefix.size(), 242);  // "_amazonses."
  expect_record_fits(kDkimRecordPrefix, 209);     // 32-char token + "._domainkey."
  expect_record_fits(kLatticeRecordPrefix, 231);  // "_" + 20 chars + "."
  // Counted on the punycode form: "ü." and 235 characters become 243.
  const std::string idn = "\xc3\xbc." + domain_of_length(235);
  auto ascii = normalize_domain(idn);
  ASSERT_TRUE(ascii.ok());
  ASSERT_EQ(ascii->size(), 243u) << *ascii;
  EXPECT_FALSE(normalize_domain(idn, kSesTxtPrefix.size()).ok());
}

TEST(NormalizeDomainTest, Rejections) {
  for (const std::string& bad : std::vector<std::string>{
           "",
           "com",
           "localhost",
           "example.com.",
           ".example.com",
           ".",
           "..",
           "example..com",
           "a..b.com",
           "-example.com",
           "example-.com",
           "example.-com",
           "example.com-",
           "exa mple.com",
           " example.com",
           "example.com ",
           "exa_mple.com",
           "_amazonses.example.com",
           "*.example.com",
           "exa*mple.com",
           "example.com/path",
           "user@example.com",
           "example.com:443",
           "exa\tmple.com",
           std::string("exa\0mple.com", 12),
       }) {
    SCOPED_TRACE(bad);
    expect_bad_domain(bad);
  }
}

TEST(NormalizeDomainTest, RejectsWhatIdnaRejects) {
  for (const std::string& bad : std::vector<std::string>{
           "\xe2\x98\x83.com",  // ☃ (not valid in IDNA 2008)
           "a\xe2\x80\x8d"
           "b.com",              // zero-width joiner outside its context
           "\xc3\x28.com",       // invalid UTF-8
           "\xff\xfe.com",       // invalid UTF-8
           "-b\xc3\xbc.de",      // leading hyphen on an IDN label
           "b\xc3\xbc-.de",      // trailing hyphen on an IDN label
           "b\xc3\xbc cher.de",  // space
           "b\xc3\xbc_cher.de",  // underscore survives punycode; still rejected
           "b\xc3\xbc.com.",     // trailing dot
           "b\xc3\xbc..com",     // empty label
           "b\xc3\xbc",          // single label
           "\xc3\xbc",           // single label
       }) {
    SCOPED_TRACE(bad);
    expect_bad_domain(bad);
  }
}

TEST(NormalizeDomainTest, IdnLabelLengthCountsThePunycode) {
  // n ü's encode as "xn--tda" + (n - 1) 'a's (python3 -c "print(('ü'*57).encode('punycode'))"):
  // 57 fill a 63-character label exactly, 58 overflow it.
  std::string u57;
  for (int i = 0; i < 57; ++i) u57 += "\xc3\xbc";
  expect_domain(u57 + ".com", "xn--tda" + std::string(56, 'a') + ".com");
  expect_bad_domain(u57 + "\xc3\xbc.com");
  // The 253-character limit applies to the ASCII form: 192 ASCII characters
  // and 55 ü's (a 61-character label) make 253; 56 ü's make 254.
  const std::string l63(63, 'a');
  const std::string base = l63 + "." + l63 + "." + l63 + ".";
  ASSERT_EQ(base.size(), 192u);
  std::string u55;
  for (int i = 0; i < 55; ++i) u55 += "\xc3\xbc";
  const std::string want = base + "xn--tda" + std::string(54, 'a');
  ASSERT_EQ(want.size(), 253u);
  expect_domain(base + u55, want);
  expect_bad_domain(base + u55 + "\xc3\xbc");
}

TEST(NormalizeEmailTest, DomainLowerCasedLocalPartKept) {
  expect_email("user@example.com", "user@example.com");
  expect_email("User.Name@Example.COM", "User.Name@example.com");
  expect_email("UPPER@EXAMPLE.COM", "UPPER@example.com");
  expect_email("a+tag@sub.example.org", "a+tag@sub.example.org");
  expect_email("o'brien@example.com", "o'brien@example.com");
  expect_email("!#$%&'*+-/=?^_`{|}~@example.com", "!#$%&'*+-/=?^_`{|}~@example.com");
  expect_email("me@bücher.example", "me@xn--bcher-kva.example");
  expect_email("Me@BÜCHER.example", "Me@xn--bcher-kva.example");
  expect_email(std::string(64, 'x') + "@example.com", std::string(64, 'x') + "@example.com");
}

TEST(NormalizeEmailTest, Rejections) {
  for (const std::string& bad : std::vector<std::string>{
           "",
           "no-at",
           "@",
           "a@",
           "@b.com",
           "a b@c.com",
           "a..b@c.com",
           ".a@c.com",
           "a.@c.com",
           "a@b@c.com",
           "a@c",       // single-label domain
           "a@c.com.",  // trailing dot
           "a@-c.com",
           "a@c_d.com",
           "\"quoted\"@c.com",  // quoted local parts are not dot-atoms
           "(comment)a@c.com",
           "a,b@c.com",
           "a\\b@c.com",
           "\xc3\xbc@c.com",  // non-ASCII local part
           "a\tb@c.com",
           std::string(65, 'x') + "@example.com",
       }) {
    SCOPED_TRACE(bad);
    expect_bad_email(bad);
  }
}

TEST(NormalizeEmailTest, ErrorMessageQuotesTheInputAsGiven) {
  auto r = normalize_email("Bad Address@Example.com");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "Invalid email address Bad Address@Example.com.");
  auto d = normalize_domain("Bad_Domain.COM");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message, "Invalid domain name Bad_Domain.COM.");
}

TEST(LooksLikeEmailTest, HasAnAt) {
  EXPECT_TRUE(looks_like_email("a@b.com"));
  EXPECT_TRUE(looks_like_email("@"));
  EXPECT_TRUE(looks_like_email("a@"));
  EXPECT_TRUE(looks_like_email("@b"));
  EXPECT_TRUE(looks_like_email("not valid@but has at"));
  EXPECT_FALSE(looks_like_email(""));
  EXPECT_FALSE(looks_like_email("example.com"));
  EXPECT_FALSE(looks_like_email("bücher.example"));
  EXPECT_FALSE(looks_like_email("a(at)b.com"));
}

TEST(NormalizeIdentityTest, AnAtMakesAnAddress) {
  auto email = normalize_identity("Someone@Example.COM");
  ASSERT_TRUE(email.ok());
  EXPECT_EQ(*email, "Someone@example.com");
  auto domain = normalize_identity("Example.COM");
  ASSERT_TRUE(domain.ok());
  EXPECT_EQ(*domain, "example.com");
  EXPECT_EQ(normalize_identity("a b@example.com").error().message,
            "Invalid email address a b@example.com.");
  EXPECT_EQ(normalize_identity("not_a_domain").error().message,
            "Invalid domain name not_a_domain.");
}

}  // namespace
}  // namespace vouch::core
