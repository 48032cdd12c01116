// ClaimAdmin over a real store and fake checks and DNS: typed evidence read
// once, probes only when the record was not found, errors as core errors.
#include "service/claim_admin.h"

#include <gtest/gtest.h>

#include <map>

#include "core/evidence_json.h"
#include "service/inbox.h"
#include "service/service_test_base.h"
#include "testing/fake_checks.h"
#include "testing/instant_resolver.h"

namespace vouch::service {
namespace {

const core::TimePoint kStart{std::chrono::seconds(1767225600)};  // 2026-01-01
const core::Scope kScope{"123456789012", "us-east-1"};

class ClaimAdminTest : public ServiceTestBase {
 protected:
  ClaimAdminTest() : ServiceTestBase(kStart, 11, std::string(32, 'k')) {}
  void SetUp() override {
    ServiceTestBase::SetUp();
    checks_.store = store_.get();
    admin_ = std::make_unique<ClaimAdmin>(*store_, checks_, resolver_);
  }

  core::Claim insert(core::ClaimKind kind, const std::string& subject) {
    core::Claim c;
    c.id = "id-" + std::to_string(++n_) + std::string(19, '0');
    c.scope = kScope;
    c.kind = kind;
    c.subject = subject;
    if (kind != core::ClaimKind::kSesEmail) c.record_name = "_amazonses." + subject;
    c.token = "TOKEN=";
    c.created_at = clock_.now();
    c.deadline = clock_.now() + core::kDomainWindow;
    auto in = store_->insert_claim(c);
    EXPECT_TRUE(in.ok());
    return in.ok() ? *in : c;
  }

  core::Evidence evidence(core::CheckOutcome o, const core::Claim& c) {
    core::Evidence e;
    e.at = clock_.now();
    e.record_name = c.record_name;
    e.expected = c.token;
    e.quorum = 1;
    e.outcome = o;
    e.perspectives = {{"fake",
                       o == core::CheckOutcome::kFound ? core::PerspectiveEvidence::Result::kFound
                                                       : core::PerspectiveEvidence::Result::kAbsent,
                       {},
                       "x"}};
    return e;
  }

  core::Result<ClaimDetail> get(const std::string& id) {
    std::optional<core::Result<ClaimDetail>> out;
    admin_->get(kScope, id, [&](core::Result<ClaimDetail> r) { out.emplace(std::move(r)); });
    return out.value_or(core::internal_error("no answer"));
  }

  int n_ = 0;
  testing::InstantResolver resolver_;
  testing::FakeChecks checks_;
  std::unique_ptr<ClaimAdmin> admin_;
};

TEST_F(ClaimAdminTest, GetDecodesTheStoredEvidenceAndDiagnosesWithProbes) {
  core::Claim c = insert(core::ClaimKind::kSesDomain, "example.com");
  ASSERT_OK(store_->record_check(c, core::evidence_text(evidence(core::CheckOutcome::kAbsent, c)),
                                 std::nullopt));
  resolver_.records["example.com"] = {"TOKEN="};  // published at the bare domain
  auto d = get(c.id);
  ASSERT_OK(d);
  ASSERT_TRUE(d->evidence.has_value());
  EXPECT_EQ(d->evidence->outcome, core::CheckOutcome::kAbsent);
  EXPECT_EQ(d->evidence->record_name, "_amazonses.example.com");
  EXPECT_EQ(resolver_.asked,
            (std::vector<std::string>{"_amazonses.example.com.example.com", "example.com"}));
  ASSERT_EQ(d->diagnosis.size(), 1u);
  EXPECT_NE(d->diagnosis[0].find("bare domain"), std::string::npos);
}

TEST_F(ClaimAdminTest, AFoundRecordIsNotProbed) {
  core::Claim c = insert(core::ClaimKind::kSesDomain, "found.example");
  ASSERT_OK(store_->record_check(c, core::evidence_text(evidence(core::CheckOutcome::kFound, c)),
                                 std::nullopt));
  auto d = get(c.id);
  ASSERT_OK(d);
  EXPECT_TRUE(resolver_.asked.empty());
  EXPECT_TRUE(d->diagnosis.empty());
  // Positive control: an unchecked claim is probed.
  core::Claim other = insert(core::ClaimKind::kSesDomain, "other.example");
  ASSERT_OK(get(other.id));
  EXPECT_EQ(resolver_.asked.size(), 2u);
}

TEST_F(ClaimAdminTest, UnknownClaimIsNotFound) {
  auto d = get("id-00000000000000000000");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(d.error().resource_id, "id-00000000000000000000");
  EXPECT_TRUE(resolver_.asked.empty());
}

TEST_F(ClaimAdminTest, OtherScopesClaimsAreNotFound) {
  core::Claim c = insert(core::ClaimKind::kSesDomain, "mine.example");
  ASSERT_OK(get(c.id));  // positive control
  std::optional<core::Result<ClaimDetail>> out;
  admin_->get({"123456789012", "eu-west-1"}, c.id,
              [&](core::Result<ClaimDetail> r) { out.emplace(std::move(r)); });
  ASSERT_TRUE(out && !out->ok());
  EXPECT_EQ(out->error().code, core::ErrorCode::kNotFound);
}

TEST_F(ClaimAdminTest, CheckGoesThroughTheCheckRunner) {
  core::Claim c = insert(core::ClaimKind::kSesDomain, "check.example");
  checks_.evidence = evidence(core::CheckOutcome::kFound, c);
  std::optional<core::Result<ClaimDetail>> out;
  admin_->check(kScope, c.id, [&](core::Result<ClaimDetail> r) { out.emplace(std::move(r)); });
  ASSERT_TRUE(out.has_value());
  ASSERT_OK(*out);
  EXPECT_EQ(checks_.checked, std::vector<std::string>{c.id});
  ASSERT_TRUE((*out)->evidence.has_value());
  EXPECT_EQ((*out)->evidence->outcome, core::CheckOutcome::kFound);
  EXPECT_TRUE(resolver_.asked.empty());

  checks_.error = core::Error{core::ErrorCode::kThrottled, "busy", c.id, {}};
  out.reset();
  admin_->check(kScope, c.id, [&](core::Result<ClaimDetail> r) { out.emplace(std::move(r)); });
  ASSERT_TRUE(out && !out->ok());
  EXPECT_EQ(out->error().code, core::ErrorCode::kThrottled);
}

TEST_F(ClaimAdminTest, EmailClaimsShowTheirMailAndNoEvidence) {
  core::Claim c = insert(core::ClaimKind::kSesEmail, "a@example.com");
  core::Claim other = insert(core::ClaimKind::kSesEmail, "b@example.com");
  core::Mail m;
  m.claim_id = c.id;
  m.scope = kScope;
  m.to = c.subject;
  m.created_at = clock_.now();
  ASSERT_OK(store_->enqueue_mail(m));
  m.claim_id = other.id;
  m.to = other.subject;
  ASSERT_OK(store_->enqueue_mail(m));
  ASSERT_OK(store_->record_check(c, "{}", std::nullopt));  // what the scheduler stores for email
  auto d = get(c.id);
  ASSERT_OK(d);
  EXPECT_FALSE(d->evidence.has_value());
  ASSERT_EQ(d->mail.size(), 1u);
  EXPECT_EQ(d->mail[0].claim_id, c.id);
  EXPECT_TRUE(resolver_.asked.empty());
}

TEST_F(ClaimAdminTest, ListPagesByTheListingLimit) {
  for (size_t i = 0; i < ClaimAdmin::kPage + 1; ++i)
    insert(core::ClaimKind::kSesDomain, "d" + std::to_string(i) + ".example");
  auto first = admin_->list(kScope, 0);
  ASSERT_OK(first);
  EXPECT_EQ(first->claims.size(), ClaimAdmin::kPage);
  ASSERT_TRUE(first->next_after.has_value());
  auto second = admin_->list(kScope, *first->next_after);
  ASSERT_OK(second);
  EXPECT_EQ(second->claims.size(), 1u);
  EXPECT_FALSE(second->next_after.has_value());
}

TEST_F(ClaimAdminTest, AFilteredListShowsWhenEachClaimWasLastChecked) {
  core::Claim checked = insert(core::ClaimKind::kSesDomain, "checked.example");
  core::Claim fresh = insert(core::ClaimKind::kSesDomain, "fresh.example");
  const core::TimePoint at = clock_.now();
  ASSERT_OK(store_->record_check(
      checked, core::evidence_text(evidence(core::CheckOutcome::kAbsent, checked)), std::nullopt));
  auto page = admin_->list(kScope, ClaimFilter{});
  ASSERT_OK(page);
  ASSERT_EQ(page->claims.size(), 2u);
  ASSERT_EQ(page->last_checked.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    if (page->claims[i].id == checked.id) {
      EXPECT_EQ(page->last_checked[i], std::optional(at));
    } else {
      EXPECT_EQ(page->claims[i].id, fresh.id);
      EXPECT_FALSE(page->last_checked[i].has_value());  // never checked
    }
  }
}

TEST_F(ClaimAdminTest, RunDueAndResetReachTheirCollaborators) {
  insert(core::ClaimKind::kSesDomain, "reset.example");
  EXPECT_EQ(admin_->run_due(), 1u);
  ASSERT_OK(admin_->reset());
  auto rows = admin_->list(kScope, 0);
  ASSERT_OK(rows);
  EXPECT_TRUE(rows->claims.empty());
}

TEST_F(ClaimAdminTest, InboxPagesWithANextMarker) {
  Inbox inbox(*store_);
  core::Claim c = insert(core::ClaimKind::kSesEmail, "a@example.com");
  for (int i = 0; i < 3; ++i) {
    core::Mail m;
    m.claim_id = c.id;
    m.scope = kScope;
    m.to = c.subject;
    m.created_at = clock_.now();
    auto q = store_->enqueue_mail(m);
    ASSERT_OK(q);
    m = *q;
    m.state = core::Mail::State::kSent;
    ASSERT_OK(store_->update_mail(m));
  }
  Inbox::Query q;
  q.limit = 2;
  auto page = inbox.page(q);
  ASSERT_OK(page);
  EXPECT_EQ(page->messages.size(), 2u);
  ASSERT_TRUE(page->next_after.has_value());
  EXPECT_EQ(*page->next_after, page->messages.back().id);
  q.after_id = *page->next_after;
  page = inbox.page(q);
  ASSERT_OK(page);
  EXPECT_EQ(page->messages.size(), 1u);
  EXPECT_FALSE(page->next_after.has_value());
  ASSERT_OK(inbox.clear(kScope));
  q.after_id = 0;
  page = inbox.page(q);
  ASSERT_OK(page);
  EXPECT_TRUE(page->messages.empty());
}

}  // namespace
}  // namespace vouch::service
