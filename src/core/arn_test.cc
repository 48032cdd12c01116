#include "core/arn.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "core/random.h"
#include "core/tokens.h"

namespace vouch::core {
namespace {

// The model's DomainVerificationArn pattern (spec §2.1).
const std::regex kArnPattern(
    "arn:[a-z0-9f\\-]+:vpc-lattice:[a-zA-Z0-9\\-]+:\\d{12}:domainverification/dv-[a-fA-F0-9]{17}");
const std::regex kIdPattern("dv-[a-fA-F0-9]{17}");

TEST(ArnTest, BuildsTheDomainVerificationArn) {
  const Scope scope{"111122223333", "us-west-2"};
  const std::string arn = domain_verification_arn(scope, "dv-aaaa0000000111111");
  EXPECT_EQ(arn,
            "arn:aws:vpc-lattice:us-west-2:111122223333:domainverification/dv-aaaa0000000111111");
  EXPECT_TRUE(std::regex_match(arn, kArnPattern)) << arn;
}

TEST(ArnTest, BuildThenParseRoundTrips) {
  const Scope scope{"123456789012", "eu-central-1"};
  SeededRandom r(7);
  for (int i = 0; i < 50; ++i) {
    const std::string id = new_lattice_id(r);
    auto parsed = parse_arn(domain_verification_arn(scope, id));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->partition, "aws");
    EXPECT_EQ(parsed->service, "vpc-lattice");
    EXPECT_EQ(parsed->region, "eu-central-1");
    EXPECT_EQ(parsed->account_id, "123456789012");
    EXPECT_EQ(parsed->resource, "domainverification/" + id);
  }
}

TEST(ArnTest, ParseKeepsColonsAndSlashesInTheResource) {
  auto p = parse_arn("arn:aws:iam::123456789012:role/a:b/c");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->partition, "aws");
  EXPECT_EQ(p->service, "iam");
  EXPECT_EQ(p->region, "");
  EXPECT_EQ(p->account_id, "123456789012");
  EXPECT_EQ(p->resource, "role/a:b/c");
}

TEST(ArnTest, ParseRejectsMalformedArns) {
  EXPECT_FALSE(parse_arn("").has_value());
  EXPECT_FALSE(parse_arn("arn").has_value());
  EXPECT_FALSE(parse_arn("arn:aws:vpc-lattice:us-east-1:123456789012").has_value());  // 5 parts
  EXPECT_FALSE(
      parse_arn("arn:aws:vpc-lattice:us-east-1:123456789012:").has_value());  // empty resource
  EXPECT_FALSE(parse_arn("urn:aws:vpc-lattice:us-east-1:123456789012:x").has_value());
  EXPECT_FALSE(parse_arn("ARN:aws:vpc-lattice:us-east-1:123456789012:x").has_value());
  EXPECT_FALSE(parse_arn("dv-0123456789abcdef0").has_value());
}

TEST(ArnTest, IdPattern) {
  EXPECT_TRUE(is_domain_verification_id("dv-0123456789abcdef0"));
  EXPECT_TRUE(is_domain_verification_id("dv-0123456789ABCDEF0"));
  EXPECT_TRUE(is_domain_verification_id("dv-aaaa0000000111111"));
  EXPECT_FALSE(is_domain_verification_id("dv-0123456789abcdef"));    // 16 hex
  EXPECT_FALSE(is_domain_verification_id("dv-0123456789abcdef01"));  // 18 hex
  EXPECT_FALSE(is_domain_verification_id("dv-0123456789abcdefg"));   // not hex
  EXPECT_FALSE(is_domain_verification_id("dx-0123456789abcdef0"));
  EXPECT_FALSE(is_domain_verification_id("DV-0123456789abcdef0"));
  EXPECT_FALSE(is_domain_verification_id("dv_0123456789abcdef0"));
  EXPECT_FALSE(is_domain_verification_id(""));
  EXPECT_FALSE(is_domain_verification_id("dv-"));
  EXPECT_FALSE(is_domain_verification_id(std::string_view("dv-0123456789abcdef\0", 20)));
}

TEST(ArnTest, GeneratedIdsMatchTheModelPatternAndDiffer) {
  SeededRandom r(42);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = new_lattice_id(r);
    EXPECT_TRUE(std::regex_match(id, kIdPattern)) << id;
    EXPECT_TRUE(is_domain_verification_id(id)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace vouch::core
