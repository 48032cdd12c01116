// The Store contract for status-change events: one per history entry,
// written in the same transaction as the change (never for a write that lost
// its compare-and-set), per account, paged by seq, kept after the claim is
// deleted, pruned by age, cleared by reset, carried by snapshot and restore.
#include "store/store_contract_test_util.h"

namespace vouch::core::contract {
namespace {

class StoreEventsTest : public StoreContractTest {
 protected:
  std::vector<Event> events(const std::string& account, int64_t after = 0, size_t limit = 100) {
    auto r = store().list_events(account, after, limit);
    EXPECT_TRUE(r.ok()) << testing::describe(r.error());
    return r.ok() ? *r : std::vector<Event>{};
  }

  // SES domain <prefix><i>.example, stored: one of a batch's claims.
  Claim numbered(const std::string& prefix, int i) {
    return insert(
        make_claim(kScope, ClaimKind::kSesDomain, prefix + std::to_string(i) + ".example"));
  }

  // Records a check of `c` that moves it to `to` at `at`.
  Result<Claim> change(Claim c, ClaimStatus to, TimePoint at, const std::string& evidence) {
    const ClaimStatus from = c.status;
    c.status = to;
    return store().record_check(std::move(c), evidence, StatusChange{at, from, to});
  }
};

TEST_P(StoreEventsTest, AStatusChangeWritesAnEventWithTheClaimsFields) {
  Claim c = insert(make_claim(kScope, ClaimKind::kSesDkimTxt, "events.example"));
  auto no_change = store().record_check(c, "{\"outcome\":\"absent\"}", std::nullopt);
  ASSERT_OK(no_change);
  EXPECT_TRUE(events(kScope.account_id).empty()) << "a check without a change is no event";

  ASSERT_OK(change(*no_change, ClaimStatus::kVerified, T0 + hours(2), "{\"outcome\":\"found\"}"));
  auto got = events(kScope.account_id);
  ASSERT_EQ(got.size(), 1u);
  const Event& e = got[0];
  EXPECT_GT(e.seq, 0);
  EXPECT_EQ(e.scope, kScope);
  EXPECT_EQ(e.claim_id, c.id);
  EXPECT_EQ(e.kind, ClaimKind::kSesDkimTxt);
  EXPECT_EQ(e.subject, "events.example");
  EXPECT_EQ(e.change.at, T0 + hours(2));
  EXPECT_EQ(e.change.from, ClaimStatus::kPending);
  EXPECT_EQ(e.change.to, ClaimStatus::kVerified);
  EXPECT_EQ(e.evidence, std::optional<std::string>("{\"outcome\":\"found\"}"));
}

TEST_P(StoreEventsTest, LongEvidenceIsLeftOutButTheEventStays) {
  Claim c = insert(make_claim(kScope, ClaimKind::kSesDomain, "long.example"));
  ASSERT_OK(change(c, ClaimStatus::kVerified, T0, "{\"x\":\"" + std::string(2000, 'a') + "\"}"));
  auto got = events(kScope.account_id);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].evidence.has_value());
}

// The limit counts characters, not bytes (SQLite's and PostgreSQL's
// length()), on the one-check path and the batch path alike: 1,024 ASCII
// characters and 1,000 two-byte ones are kept, 1,025 characters are not.
TEST_P(StoreEventsTest, EvidenceUpTo1024CharactersIsKeptOnEveryPath) {
  auto json = [](const std::string& body) { return "{\"x\":\"" + body + "\"}"; };  // 8 more
  const std::vector<std::string> evidences = {
      json(std::string(1016, 'a')),  // 1,024 characters
      json(std::string(1017, 'a')),  // 1,025: left out
      [&] {
        std::string s;
        for (int i = 0; i < 1000; ++i) s += "\xc3\xa9";  // é: 2,008 bytes, 1,008 characters
        return json(s);
      }()};
  const std::vector<bool> kept = {true, false, true};
  std::vector<CheckRecord> records;
  for (size_t i = 0; i < evidences.size(); ++i) {
    ASSERT_OK(
        change(numbered("one", static_cast<int>(i)), ClaimStatus::kVerified, T0, evidences[i]));
    Claim c = numbered("batch", static_cast<int>(i));
    c.status = ClaimStatus::kVerified;
    records.push_back(
        {c, evidences[i], StatusChange{T0, ClaimStatus::kPending, ClaimStatus::kVerified}});
  }
  for (const auto& r : store().record_checks(records)) ASSERT_OK(r);
  auto got = events(kScope.account_id);
  ASSERT_EQ(got.size(), 2 * evidences.size());
  for (size_t k = 0; k < got.size(); ++k) {
    const size_t i = k < evidences.size() ? k : k - evidences.size();
    EXPECT_EQ(got[k].evidence, kept[i] ? std::optional<std::string>(evidences[i]) : std::nullopt)
        << k;
  }
}

TEST_P(StoreEventsTest, ABatchWritesEventsOnlyForTheRecordsThatLanded) {
  Claim landed = insert(make_claim(kScope, ClaimKind::kSesMailFromMx, "landed.example"));
  Claim stale = insert(make_claim(kScope, ClaimKind::kLatticeDomain, "stale.example"));
  Claim gone = insert(make_claim(kScope, ClaimKind::kSesMailFromSpf, "gone.example"));
  Claim moved = stale;
  moved.attempts = 3;
  ASSERT_OK(store().update_claim(moved));  // `stale` loses its compare-and-set
  ASSERT_OK(store().delete_claim(kScope, gone.id));
  std::vector<CheckRecord> records;
  for (Claim c : {landed, stale, gone}) {
    c.status = ClaimStatus::kVerified;
    records.push_back({c, "{}", StatusChange{T0, ClaimStatus::kPending, ClaimStatus::kVerified}});
  }
  auto out = store().record_checks(records);
  ASSERT_EQ(out.size(), 3u);
  ASSERT_OK(out[0]);
  EXPECT_FALSE(out[1].ok());
  EXPECT_FALSE(out[2].ok());
  auto got = events(kScope.account_id);
  ASSERT_EQ(got.size(), 1u) << "no event announces a change that did not happen";
  EXPECT_EQ(got[0].claim_id, landed.id);
  EXPECT_EQ(got[0].kind, ClaimKind::kSesMailFromMx);
}

// SQLite records a batch in savepoints of 64 records (sqlite_store.cc
// kRecordChunk): results and events stay per record across them.
TEST_P(StoreEventsTest, ABatchSpanningManySavepointsKeepsEachRecordsOutcome) {
  std::vector<CheckRecord> records;
  std::vector<bool> lands;
  for (int i = 0; i < 300; ++i) {
    Claim c = numbered("b", i);
    const bool stale = i % 97 == 5;  // in the 1st, 2nd, 4th and 5th chunks
    if (stale) {
      Claim moved = c;
      moved.attempts = 1;
      ASSERT_OK(store().update_claim(moved));
    }
    lands.push_back(!stale);
    c.status = ClaimStatus::kVerified;
    records.push_back({c, "{}", StatusChange{T0, ClaimStatus::kPending, ClaimStatus::kVerified}});
  }
  auto out = store().record_checks(records);
  ASSERT_EQ(out.size(), records.size());
  size_t landed = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].ok(), lands[i]) << i;
    if (!out[i].ok()) continue;
    ++landed;
    EXPECT_EQ(out[i]->id, records[i].claim.id);
    EXPECT_EQ(out[i]->version, records[i].claim.version + 1);
  }
  EXPECT_EQ(landed, 296u);
  EXPECT_EQ(events(kScope.account_id, 0, 1000).size(), 296u);
}

// SQLite writes a chunk's history in one statement after the chunk's
// updates: each event still carries its own record's change and evidence.
TEST_P(StoreEventsTest, EventsOfABatchCarryEachRecordsChangeAndEvidenceInOrder) {
  std::vector<CheckRecord> records;
  std::vector<size_t> changed;
  for (int i = 0; i < 150; ++i) {
    Claim c = numbered("o", i);
    std::optional<StatusChange> change;
    if (i % 3 != 1) {
      c.status = i % 2 ? ClaimStatus::kFailed : ClaimStatus::kVerified;
      change = StatusChange{T0 + std::chrono::seconds(i), ClaimStatus::kPending, c.status};
      changed.push_back(records.size());
    }
    records.push_back({c, "{\"i\":" + std::to_string(i) + "}", change});
  }
  auto out = store().record_checks(records);
  for (const auto& r : out) ASSERT_OK(r);
  auto got = events(kScope.account_id, 0, 1000);
  ASSERT_EQ(got.size(), changed.size());
  for (size_t k = 0; k < got.size(); ++k) {
    const CheckRecord& r = records[changed[k]];
    EXPECT_EQ(got[k].claim_id, r.claim.id) << k;
    EXPECT_EQ(got[k].change.at, r.change->at) << k;
    EXPECT_EQ(got[k].change.to, r.change->to) << k;
    EXPECT_EQ(got[k].evidence, std::optional<std::string>(r.evidence)) << k;
  }
}

// One claim twice in a batch, both writes landing (the second carries the
// version the first leaves): each event has the evidence of its own write.
TEST_P(StoreEventsTest, OneClaimTwiceInABatchGivesEachEventItsOwnEvidence) {
  Claim a = insert(make_claim(kScope, ClaimKind::kSesDomain, "twice.example"));
  Claim first = a, second = a;
  first.status = ClaimStatus::kVerified;
  second.status = ClaimStatus::kFailed;
  second.version = a.version + 1;
  auto out = store().record_checks(
      {{first, "{\"n\":1}", StatusChange{T0, ClaimStatus::kPending, ClaimStatus::kVerified}},
       {second, "{\"n\":2}",
        StatusChange{T0 + std::chrono::seconds(1), ClaimStatus::kVerified, ClaimStatus::kFailed}}});
  ASSERT_EQ(out.size(), 2u);
  ASSERT_OK(out[0]);
  ASSERT_OK(out[1]);
  auto got = events(kScope.account_id);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].evidence, std::optional<std::string>("{\"n\":1}"));
  EXPECT_EQ(got[0].change.to, ClaimStatus::kVerified);
  EXPECT_EQ(got[1].evidence, std::optional<std::string>("{\"n\":2}"));
  EXPECT_EQ(got[1].change.to, ClaimStatus::kFailed);
}

TEST_P(StoreEventsTest, EventsArePerAccountInOrderAndPage) {
  std::vector<std::string> mine;
  for (int i = 0; i < 5; ++i) {
    Claim c = insert(make_claim(i % 2 ? kOtherRegion : kScope, ClaimKind::kSesDomain,
                                "d" + std::to_string(i) + ".example"));
    ASSERT_OK(change(c, ClaimStatus::kVerified, T0 + hours(i), "{}"));
    mine.push_back(c.id);
    Claim theirs = insert(make_claim(kOtherAccount, ClaimKind::kSesDomain, "t.example"));
    ASSERT_OK(change(theirs, ClaimStatus::kFailed, T0, "{}"));
    ASSERT_OK(store().delete_claim(kOtherAccount, theirs.id));
  }
  auto first = events(kScope.account_id, 0, 3);
  ASSERT_EQ(first.size(), 3u);
  auto rest = events(kScope.account_id, first.back().seq, 3);
  ASSERT_EQ(rest.size(), 2u);
  std::vector<std::string> seen;
  int64_t last = 0;
  for (const auto& page : {first, rest}) {
    for (const auto& e : page) {
      EXPECT_GT(e.seq, last);
      last = e.seq;
      EXPECT_EQ(e.scope.account_id, kScope.account_id);
      seen.push_back(e.claim_id);
    }
  }
  EXPECT_EQ(seen, mine) << "both regions of the account, in order";
  EXPECT_TRUE(events(kScope.account_id, last).empty());
  // The other account's events outlive their deleted claims.
  EXPECT_EQ(events(kOtherAccount.account_id).size(), 5u);
}

TEST_P(StoreEventsTest, PruneDeletesOldEventsUpToTheLimit) {
  for (int i = 0; i < 4; ++i) {
    Claim c = insert(make_claim(kScope, ClaimKind::kSesDomain, std::to_string(i) + ".example"));
    ASSERT_OK(change(c, ClaimStatus::kVerified, T0 + hours(i), "{}"));
  }
  auto pruned = store().prune_events(T0 + hours(3), 2, T0 + hours(3));  // three are older; two go
  ASSERT_OK(pruned);
  EXPECT_EQ(*pruned, 2u);
  pruned = store().prune_events(T0 + hours(3), 10, T0 + hours(3));
  ASSERT_OK(pruned);
  EXPECT_EQ(*pruned, 1u);
  auto left = events(kScope.account_id);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].change.at, T0 + hours(3));
}

TEST_P(StoreEventsTest, ResetRemovesEvents) {
  Claim c = insert(make_claim(kScope, ClaimKind::kSesEmail, "u@example.com"));
  ASSERT_OK(change(c, ClaimStatus::kVerified, T0, "{}"));
  ASSERT_EQ(events(kScope.account_id).size(), 1u);
  ASSERT_OK(store().clear_claims());
  EXPECT_TRUE(events(kScope.account_id).empty());
}

TEST_P(StoreEventsTest, RestoreKeepsTheEventsAndAnnouncesNothingNew) {
  Claim c = insert(make_claim(kScope, ClaimKind::kLatticeDomain, "moved.example"));
  auto v = change(c, ClaimStatus::kVerified, T0, "{\"a\":1}");
  ASSERT_OK(v);
  ASSERT_OK(change(*v, ClaimStatus::kUnconfirmed, T0 + hours(1), "{\"a\":2}"));
  Claim gone = insert(make_claim(kScope, ClaimKind::kSesDomain, "gone.example"));
  ASSERT_OK(change(gone, ClaimStatus::kFailed, T0, "{}"));
  ASSERT_OK(store().delete_claim(kScope, gone.id));  // its event stays, its history goes
  auto snap = store().snapshot();
  ASSERT_OK(snap);
  ASSERT_EQ(snap->events.size(), 3u);

  testing::TempDir other_dir;
  auto other = GetParam().open(other_dir.path());
  ASSERT_NE(other, nullptr);
  ASSERT_OK(other->restore(*snap));
  auto again = other->list_events(kScope.account_id, 0, 100);
  ASSERT_OK(again);
  ASSERT_EQ(again->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*again)[i].seq, snap->events[i].seq);
    EXPECT_EQ((*again)[i].claim_id, snap->events[i].claim_id);
    EXPECT_EQ((*again)[i].change.to, snap->events[i].change.to);
    EXPECT_EQ((*again)[i].evidence, snap->events[i].evidence);
  }
  // A change after the move continues after the largest seq.
  auto moved = other->get_claim(kScope, c.id);
  ASSERT_OK(moved);
  ASSERT_TRUE(moved->has_value());
  Claim next = **moved;
  next.status = ClaimStatus::kVerified;
  ASSERT_OK(other->record_check(
      next, "{}", StatusChange{T0 + hours(2), ClaimStatus::kUnconfirmed, ClaimStatus::kVerified}));
  auto after = other->list_events(kScope.account_id, snap->events.back().seq, 100);
  ASSERT_OK(after);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_GT((*after)[0].seq, snap->events.back().seq);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreEventsTest, ::testing::ValuesIn(contract_backends()),
                         backend_name);

}  // namespace
}  // namespace vouch::core::contract
