// The Store contract for custom verification email templates: one name per
// scope, a quota counted with the insert, updates and deletes by name, and a
// listing in creation order that pages by seq.
#include "store/store_contract_test_util.h"

namespace vouch::core::contract {
namespace {

VerificationTemplate make_template(const Scope& scope, const std::string& name) {
  return VerificationTemplate{scope,
                              name,
                              "sender@example.com",
                              "Confirm – ✓ " + name,
                              "<html><body><p>Hello \"there\" 日本語</p></body></html>",
                              "https://example.com/ok?a=1&b=2",
                              "https://example.com/failed",
                              0};
}

void expect_same(const VerificationTemplate& a, const VerificationTemplate& b) {
  EXPECT_EQ(a.scope, b.scope);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.from, b.from);
  EXPECT_EQ(a.subject, b.subject);
  EXPECT_EQ(a.content, b.content);
  EXPECT_EQ(a.success_url, b.success_url);
  EXPECT_EQ(a.failure_url, b.failure_url);
  EXPECT_EQ(a.seq, b.seq);
}

class StoreTemplatesTest : public StoreContractTest {};

TEST_P(StoreTemplatesTest, AnInsertedTemplateReadsBackFieldForField) {
  auto in = store().insert_template(make_template(kScope, "Welcome"), 50);
  ASSERT_OK(in);
  EXPECT_GT(in->seq, 0);
  auto got = store().get_template(kScope, "Welcome");
  ASSERT_OK(got);
  ASSERT_TRUE(got->has_value());
  expect_same(**got, *in);
  // Names are per scope and exact.
  for (const auto& [scope, name] :
       {std::pair{kOtherRegion, "Welcome"}, std::pair{kOtherAccount, "Welcome"},
        std::pair{kScope, "welcome"}}) {
    auto other = store().get_template(scope, name);
    ASSERT_OK(other);
    EXPECT_FALSE(other->has_value()) << scope.region << " " << name;
  }
}

TEST_P(StoreTemplatesTest, ASecondTemplateOfTheSameNameIsAConflictButNotInAnotherScope) {
  ASSERT_OK(store().insert_template(make_template(kScope, "T"), 50));
  auto again = store().insert_template(make_template(kScope, "T"), 50);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_OK(store().insert_template(make_template(kOtherRegion, "T"), 50));
  EXPECT_OK(store().insert_template(make_template(kOtherAccount, "T"), 50));
}

TEST_P(StoreTemplatesTest, TheQuotaCountsTheScopesTemplatesOnly) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(store().insert_template(make_template(kScope, "T" + std::to_string(i)), 3));
  }
  auto full = store().insert_template(make_template(kScope, "T3"), 3);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, ErrorCode::kQuotaExceeded);
  // Another scope has its own; a deleted template frees a place.
  EXPECT_OK(store().insert_template(make_template(kOtherRegion, "T3"), 3));
  ASSERT_OK(store().delete_template(kScope, "T0"));
  EXPECT_OK(store().insert_template(make_template(kScope, "T3"), 3));
  // 0 is unlimited.
  EXPECT_OK(store().insert_template(make_template(kScope, "T4"), 0));
}

TEST_P(StoreTemplatesTest, AnUpdateReplacesTheFieldsAndMissesAnAbsentTemplate) {
  auto in = store().insert_template(make_template(kScope, "T"), 50);
  ASSERT_OK(in);
  VerificationTemplate changed = *in;
  changed.from = "other@example.com";
  changed.subject = "New subject";
  changed.content = "<p>new</p>";
  changed.success_url = "https://example.org/yes";
  changed.failure_url = "https://example.org/no";
  ASSERT_OK(store().update_template(changed));
  auto got = store().get_template(kScope, "T");
  ASSERT_OK(got);
  ASSERT_TRUE(got->has_value());
  expect_same(**got, changed);

  changed.name = "Absent";
  auto missing = store().update_template(changed);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  changed.name = "T";
  changed.scope = kOtherRegion;
  EXPECT_FALSE(store().update_template(changed).ok()) << "another scope's T is not this one";
}

TEST_P(StoreTemplatesTest, DeleteSaysWhetherATemplateWentAway) {
  ASSERT_OK(store().insert_template(make_template(kScope, "T"), 50));
  auto other = store().delete_template(kOtherRegion, "T");
  ASSERT_OK(other);
  EXPECT_FALSE(*other);
  auto gone = store().delete_template(kScope, "T");
  ASSERT_OK(gone);
  EXPECT_TRUE(*gone);
  auto again = store().delete_template(kScope, "T");
  ASSERT_OK(again);
  EXPECT_FALSE(*again);
  auto got = store().get_template(kScope, "T");
  ASSERT_OK(got);
  EXPECT_FALSE(got->has_value());
}

TEST_P(StoreTemplatesTest, TheListingPagesInCreationOrderWithinTheScope) {
  for (const char* name : {"zeta", "alpha", "mid"}) {
    ASSERT_OK(store().insert_template(make_template(kScope, name), 50));
  }
  ASSERT_OK(store().insert_template(make_template(kOtherRegion, "elsewhere"), 50));
  auto first = store().list_templates(kScope, 0, 2);
  ASSERT_OK(first);
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].name, "zeta");
  EXPECT_EQ((*first)[1].name, "alpha");
  EXPECT_EQ((*first)[0].content, make_template(kScope, "zeta").content);
  auto rest = store().list_templates(kScope, (*first)[1].seq, 2);
  ASSERT_OK(rest);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].name, "mid");
  auto none = store().list_templates(kScope, (*rest)[0].seq, 2);
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreTemplatesTest, ResetRemovesTemplates) {
  ASSERT_OK(store().insert_template(make_template(kScope, "T"), 50));
  ASSERT_OK(store().clear_claims());
  auto got = store().get_template(kScope, "T");
  ASSERT_OK(got);
  EXPECT_FALSE(got->has_value());
  EXPECT_OK(store().insert_template(make_template(kScope, "T"), 50));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTemplatesTest, ::testing::ValuesIn(contract_backends()),
                         backend_name);

}  // namespace
}  // namespace vouch::core::contract
