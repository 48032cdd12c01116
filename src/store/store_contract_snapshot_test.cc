// The Store contract for moving an installation: snapshot() reads every
// claim (with evidence and history), message, account, idempotency record
// and setting; restore() writes them into an empty store exactly as they
// were, and refuses a store that holds anything.
#include "store/store_contract_test_util.h"

namespace vouch::core::contract {
namespace {

using std::chrono::minutes;

class StoreSnapshotTest : public StoreContractTest {
 protected:
  // A store with something of every kind in it.
  void fill() {
    for (ClaimKind kind : kAllKinds) {
      const std::string subject = kind == ClaimKind::kSesEmail ? "u@example.com" : "full.example";
      Claim c = insert(make_full_claim(kScope, kind, ClaimStatus::kPending, subject));
      c.status = ClaimStatus::kVerified;
      auto r = store().record_check(
          c, "{\"outcome\":\"found\"}",
          StatusChange{T0, ClaimStatus::kPending, ClaimStatus::kVerified});
      ASSERT_OK(r);
    }
    CreateRules rules;
    rules.now = T0;
    auto once = store().create_claim_once(
        make_claim(kOtherRegion, ClaimKind::kLatticeDomain, "l.example"),
        IdempotencyKey{"token-1", "hash-1", "{\"first\":1}"}, rules);
    ASSERT_OK(once);
    ASSERT_OK(store().enqueue_mail(mail_to(kScope, "a@example.com", Mail::State::kSent, T0)));
    ASSERT_OK(store().enqueue_mail(mail_to(kScope, "b@example.com", Mail::State::kQueued, T0)));
    ASSERT_OK(store().hide_mail(kScope));  // hides the sent one
    ASSERT_OK(store().put_account(Account{"111122223333", "AKIDSNAPSHOT", "secret"}));
    ASSERT_OK(store().put_setting("secret_key", "k"));
    // The newest claim and message deleted: their seq and id stay used.
    deleted_ = insert(make_claim(kScope, ClaimKind::kSesDomain, "gone.example"));
    ASSERT_OK(store().delete_claim(kScope, deleted_.id));
    auto gone = store().enqueue_mail(
        mail_to(kScope, "gone@example.com", Mail::State::kSent, T0 - minutes(60)));
    ASSERT_OK(gone);
    deleted_mail_id_ = gone->id;
    auto pruned = store().prune_mail(T0, 10);  // only it is older than T0
    ASSERT_OK(pruned);
    ASSERT_EQ(*pruned, 1u);
  }

  std::unique_ptr<Store> open_other() {
    auto s = GetParam().open(other_dir_.path());
    EXPECT_NE(s, nullptr);
    return s;
  }

  testing::TempDir other_dir_;
  Claim deleted_;
  int64_t deleted_mail_id_ = 0;
};

TEST_P(StoreSnapshotTest, ARestoredStoreHoldsExactlyWhatTheSnapshotHeld) {
  fill();
  auto snap = store().snapshot();
  ASSERT_OK(snap);
  EXPECT_EQ(snap->claims.size(), kAllKinds.size() + 1);  // and the Lattice claim in another region
  EXPECT_EQ(snap->mail.size(), 2u);
  EXPECT_EQ(snap->hidden_mail.size(), 1u);
  EXPECT_EQ(snap->accounts.size(), 1u);
  EXPECT_EQ(snap->idempotency.size(), 1u);
  EXPECT_EQ(snap->settings.size(), 1u);

  auto other = open_other();
  ASSERT_NE(other, nullptr);
  ASSERT_OK(other->restore(*snap));
  auto again = other->snapshot();
  ASSERT_OK(again);
  ASSERT_EQ(again->claims.size(), snap->claims.size());
  for (size_t i = 0; i < snap->claims.size(); ++i) {
    EXPECT_CLAIM_EQ(again->claims[i].claim, snap->claims[i].claim);
    EXPECT_EQ(again->claims[i].evidence, snap->claims[i].evidence);
    ASSERT_EQ(again->claims[i].history.size(), snap->claims[i].history.size());
    ASSERT_EQ(snap->claims[i].history.size(),
              snap->claims[i].claim.kind == ClaimKind::kLatticeDomain &&
                      snap->claims[i].claim.scope == kOtherRegion
                  ? 0u
                  : 1u);
  }
  ASSERT_EQ(again->mail.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(again->mail[i].id, snap->mail[i].id);
    EXPECT_EQ(again->mail[i].to, snap->mail[i].to);
    EXPECT_EQ(again->mail[i].state, snap->mail[i].state);
    EXPECT_EQ(again->mail[i].next_attempt_at, snap->mail[i].next_attempt_at);
  }
  EXPECT_EQ(again->hidden_mail, snap->hidden_mail);
  ASSERT_EQ(again->accounts.size(), 1u);
  EXPECT_EQ(again->accounts[0].secret_access_key, "secret");
  ASSERT_EQ(again->idempotency.size(), 1u);
  EXPECT_EQ(again->idempotency[0].response, "{\"first\":1}");
  EXPECT_EQ(again->idempotency[0].created_at, snap->idempotency[0].created_at);
  EXPECT_EQ(again->settings, snap->settings);

  // It works as the original did: a replayed client token, the next seq and
  // message id after the largest copied.
  CreateRules rules;
  rules.now = T0 + minutes(1);
  auto replay = other->create_claim_once(
      make_claim(kOtherRegion, ClaimKind::kLatticeDomain, "l.example"),
      IdempotencyKey{"token-1", "hash-1", "{}"}, rules);
  ASSERT_OK(replay);
  EXPECT_EQ(replay->outcome, CreateOutcome::kReplayed);
  EXPECT_EQ(replay->response, "{\"first\":1}");
  auto next = other->insert_claim(make_claim(kScope, ClaimKind::kSesDomain, "next.example"));
  ASSERT_OK(next);
  EXPECT_GT(next->seq, deleted_.seq);  // past the deleted one's seq too
  auto mail = other->enqueue_mail(mail_to(kScope, "c@example.com", Mail::State::kQueued, T0));
  ASSERT_OK(mail);
  EXPECT_GT(mail->id, deleted_mail_id_);
}

TEST_P(StoreSnapshotTest, RestoreRefusesAStoreThatHoldsAnything) {
  fill();
  auto snap = store().snapshot();
  ASSERT_OK(snap);
  auto other = open_other();
  ASSERT_NE(other, nullptr);
  ASSERT_OK(other->put_setting("anything", "x"));  // a setting alone is enough
  auto st = other->restore(*snap);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
  auto count = other->count_claims(kScope, kAllKinds);
  ASSERT_OK(count);
  EXPECT_EQ(*count, 0u) << "nothing was written";
  // The positive control: an empty one takes it.
  testing::TempDir third;
  auto empty = GetParam().open(third.path());
  ASSERT_NE(empty, nullptr);
  EXPECT_OK(empty->restore(*snap));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreSnapshotTest, ::testing::ValuesIn(contract_backends()),
                         backend_name);

}  // namespace
}  // namespace vouch::core::contract
