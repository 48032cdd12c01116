// GetDomainVerification's body written straight into a string must be the
// very bytes nlohmann writes for claim_json, and must step aside for any
// text that JSON escapes.
#include "api/lattice/lattice_wire.h"

#include <gtest/gtest.h>

namespace vouch::api::lattice {
namespace {

core::Claim lattice_claim() {
  core::Claim c;
  c.id = "dv-0123456789abcdef0";
  c.scope = {"123456789012", "us-west-2"};
  c.kind = core::ClaimKind::kLatticeDomain;
  c.subject = "example.com";
  c.record_name = "_lattice-abc123.example.com";
  c.token = "token-value-0123";
  c.created_at = core::TimePoint(std::chrono::seconds(1767225600));
  return c;
}

std::string reference(const core::Claim& c) {
  return claim_json(c).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(ClaimJsonText, SameBytesAsNlohmann) {
  core::Claim c = lattice_claim();
  ASSERT_EQ(claim_json_text(c), reference(c));  // no tags, never verified
  c.status = core::ClaimStatus::kVerified;
  c.last_verified_at = c.created_at + std::chrono::milliseconds(1500);
  c.tags = {{"b", "2"}, {"A", "1"}, {"key with space", "v=a/b:c+d@e"}};
  const auto text = claim_json_text(c);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, reference(c));
  EXPECT_TRUE(nlohmann::json::parse(*text).is_object());
}

TEST(ClaimJsonText, StepsAsideForTextJsonEscapes) {
  core::Claim c = lattice_claim();
  c.tags = {{"plain", "v"}};
  EXPECT_TRUE(claim_json_text(c));  // the positive control
  for (const std::string bad : {"quote\"", "back\\slash", "tab\t", "\xc3\xa9t\xc3\xa9", "\x7f"}) {
    core::Claim t = c;
    t.tags = {{"k", bad}};
    EXPECT_FALSE(claim_json_text(t)) << bad;
    t.tags = {{bad, "v"}};
    EXPECT_FALSE(claim_json_text(t)) << bad;
  }
}

}  // namespace
}  // namespace vouch::api::lattice
