#include "cli/claims_view.h"

#include <sstream>

#include <gtest/gtest.h>

namespace vouch::cli {
namespace {

using nlohmann::json;

size_t widest_line(const std::string& text) {
  std::istringstream in(text);
  size_t most = 0;
  for (std::string line; std::getline(in, line);) most = std::max(most, line.size());
  return most;
}

TEST(ClaimsViewTest, TheTableFitsEightyColumns) {
  const json claims{{{"id", "id-0123456789abcdef0123"},
                     {"kind", "ses_mail_from_spf"},
                     {"status", "unconfirmed"},
                     {"subject", std::string(200, 'x') + ".example.com"}},
                    {{"id", "dv-0123456789abcdefa"},
                     {"kind", "lattice_domain"},
                     {"status", "verified"},
                     {"subject", "short.example"}}};
  const std::string t = claims_table(claims);
  EXPECT_LT(widest_line(t), kTableWidth);
  EXPECT_EQ(t.rfind("ID", 0), 0u);
  EXPECT_NE(t.find("short.example\n"), std::string::npos);  // short subjects are whole
  EXPECT_NE(t.find("~\n"), std::string::npos);              // long ones cut, marked
  EXPECT_NE(t.find("id-0123456789abcdef0123  unconfirmed  ses_mail_from_spf  xxx"),
            std::string::npos)
      << t;
}

TEST(ClaimsViewTest, ShowSpellsOutTheRecordResolversAndDiagnosis) {
  const json d{
      {"id", "id-1"},
      {"kind", "ses_domain"},
      {"subject", "example.com"},
      {"status", "pending"},
      {"wire_status", "Pending"},
      {"record",
       {{"name", "_amazonses.example.com."},
        {"type", "TXT"},
        {"value", "tok"},
        {"zone_file_line", "_amazonses.example.com. 300 IN TXT \"tok\""}}},
      {"evidence",
       {{"at", "2026-01-01T00:00:00Z"},
        {"outcome", "absent"},
        {"quorum", 2},
        {"perspectives",
         {{{"resolver", "10.0.0.1:53"}, {"result", "wrong"}, {"detail", ""}, {"seen", {"old"}}},
          {{"resolver", "10.0.0.2:53"}, {"result", "absent"}, {"detail", "NXDOMAIN"}}}}}},
      {"diagnosis", {"No resolver sees the record yet."}},
      {"history", {{{"at", "2026-01-01T00:00:00Z"}, {"from", "pending"}, {"to", "verified"}}}},
      {"mail", json::array()}};
  const std::string t = claim_text(d);
  EXPECT_NE(t.find("status:      pending (Pending)"), std::string::npos) << t;
  EXPECT_NE(t.find("  _amazonses.example.com. 300 IN TXT \"tok\"\n"), std::string::npos) << t;
  EXPECT_NE(t.find("10.0.0.1:53            wrong   \"old\""), std::string::npos) << t;
  EXPECT_NE(t.find("10.0.0.2:53            absent  NXDOMAIN"), std::string::npos) << t;
  EXPECT_NE(t.find("  - No resolver sees the record yet."), std::string::npos) << t;
  EXPECT_NE(t.find("pending -> verified"), std::string::npos) << t;
  EXPECT_LT(widest_line(t), kTableWidth);
}

TEST(ClaimsViewTest, ExitCodes) {
  EXPECT_EQ(exit_code_of(json{{"status", "verified"}}), 0);
  EXPECT_EQ(exit_code_of(json{{"status", "pending"}}), 1);
  EXPECT_EQ(exit_code_of(json{{"status", "unconfirmed"}}), 1);
  EXPECT_EQ(exit_code_of(json{{"status", "failed"}}), 2);
  EXPECT_EQ(exit_code_of(json("garbage")), 1);
}

}  // namespace
}  // namespace vouch::cli
