// The Store contract: claims, identities, listing, updates, mail and
// accounts (store_contract_test_util.h has the fixture; store_contract_backends_test.cc the
// backends it runs on).
#include "store/store_contract_test_util.h"

namespace vouch::core::contract {
namespace {

// --- insert ----------------------------------------------------------------

TEST_P(StoreContractTest, InsertAssignsIncreasingSeqAndVersionOne) {
  int64_t last_seq = 0;
  for (int i = 0; i < 5; ++i) {
    Claim c = make_claim(kScope, kAllKinds[i % 3], "d" + std::to_string(i) + ".example");
    c.seq = 999;  // whatever the caller passes, the store decides
    c.version = 42;
    Claim stored = insert(c);
    EXPECT_GT(stored.seq, last_seq) << "insert " << i;
    EXPECT_EQ(stored.version, 1) << "insert " << i;
    EXPECT_EQ(stored.id, c.id);
    last_seq = stored.seq;
    auto read = get(kScope, c.id);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->seq, stored.seq);
    EXPECT_EQ(read->version, 1);
  }
}

TEST_P(StoreContractTest, SeqIsNeverReusedAfterDelete) {
  Claim a = insert(make_claim(kScope, ClaimKind::kSesDomain, "a.example"));
  Claim b = insert(make_claim(kScope, ClaimKind::kSesDomain, "b.example"));
  auto deleted = store().delete_claim(kScope, b.id);
  ASSERT_OK(deleted);
  ASSERT_TRUE(*deleted);
  // A listing paused after b must still see claims inserted later.
  Claim c = insert(make_claim(kScope, ClaimKind::kSesDomain, "c.example"));
  EXPECT_GT(c.seq, b.seq);
  EXPECT_EQ(ids_of(list(kScope, kSesKinds, b.seq)), std::vector<std::string>{c.id});
  EXPECT_EQ(ids_of(list(kScope, kSesKinds)), (std::vector<std::string>{a.id, c.id}));
}

// --- get_claim -------------------------------------------------------------

TEST_P(StoreContractTest, GetClaimRoundTripsEveryFieldOfEveryKindAndStatus) {
  int n = 0;
  for (ClaimKind kind : kAllKinds) {
    for (ClaimStatus status : kAllStatuses) {
      SCOPED_TRACE(std::string(testing::to_string(kind)) + " status " + testing::to_string(status));
      std::string subject = "s" + std::to_string(n++) + ".example";
      if (kind == ClaimKind::kSesEmail) subject = "User.Name+" + std::to_string(n) + "@example.com";
      Claim want = make_full_claim(kScope, kind, status, subject);
      Claim stored = insert(want);
      want.seq = stored.seq;
      want.version = 1;
      EXPECT_CLAIM_EQ(stored, want);
      auto got = get(kScope, want.id);
      ASSERT_TRUE(got);
      EXPECT_CLAIM_EQ(*got, want);
    }
  }
}

TEST_P(StoreContractTest, GetClaimRoundTripsAbsentOptionalsAndEmptyCollections) {
  for (ClaimKind kind : kAllKinds) {
    SCOPED_TRACE(std::string(testing::to_string(kind)));
    Claim want = make_claim(kScope, kind,
                            "bare-" + std::string(testing::to_string(kind)) + ".example");
    ASSERT_FALSE(want.next_check_at);
    ASSERT_FALSE(want.last_verified_at);
    ASSERT_FALSE(want.absent_since);
    ASSERT_TRUE(want.dkim_tokens.empty());
    ASSERT_TRUE(want.tags.empty());
    Claim stored = insert(want);
    want.seq = stored.seq;
    want.version = 1;
    auto got = get(kScope, want.id);
    ASSERT_TRUE(got);
    EXPECT_CLAIM_EQ(*got, want);
  }
}

TEST_P(StoreContractTest, GetClaimRoundTripsTimesAtNanosecondPrecision) {
  // Pre-epoch, sub-microsecond, and late (near the int64 nanosecond range end).
  const std::vector<TimePoint> times = {TimePoint(nanoseconds(-1'234'567'891)),
                                        TimePoint(nanoseconds(1)),
                                        TimePoint(nanoseconds(1'700'000'000'000'000'001)),
                                        TimePoint(nanoseconds(9'000'000'000'000'000'007))};
  int n = 0;
  for (TimePoint t : times) {
    Claim want = make_claim(kScope, ClaimKind::kLatticeDomain,
                            "t" + std::to_string(n++) + ".example");
    want.created_at = t;
    want.deadline = t + nanoseconds(1);
    want.next_check_at = t + nanoseconds(2);
    want.last_verified_at = t + nanoseconds(3);
    want.absent_since = t + nanoseconds(4);
    Claim stored = insert(want);
    auto got = get(kScope, want.id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->created_at, t);
    EXPECT_EQ(got->deadline, t + nanoseconds(1));
    EXPECT_EQ(got->next_check_at, t + nanoseconds(2));
    EXPECT_EQ(got->last_verified_at, t + nanoseconds(3));
    EXPECT_EQ(got->absent_since, t + nanoseconds(4));
    EXPECT_EQ(got->seq, stored.seq);
  }
}

TEST_P(StoreContractTest, GetClaimSeesOnlyItsOwnAccountAndRegion) {
  Claim c = insert(make_claim(kScope, ClaimKind::kSesDomain, "example.com"));
  EXPECT_TRUE(get(kScope, c.id));
  EXPECT_FALSE(get(kOtherRegion, c.id));
  EXPECT_FALSE(get(kOtherAccount, c.id));
  EXPECT_FALSE(get(kScope, "id-00000000000000000000"));
  EXPECT_FALSE(get(kScope, ""));
}

// --- find_identity / find_identities ---------------------------------------

TEST_P(StoreContractTest, FindIdentityFindsSesDomainsAndEmailsButNotLatticeClaims) {
  Claim domain = insert(make_claim(kScope, ClaimKind::kSesDomain, "example.com"));
  Claim email = insert(make_claim(kScope, ClaimKind::kSesEmail, "user@example.com"));
  insert(make_claim(kScope, ClaimKind::kLatticeDomain, "lattice.example.com"));

  auto d = store().find_identity(kScope, "example.com");
  ASSERT_OK(d);
  ASSERT_TRUE(*d);
  EXPECT_EQ((*d)->id, domain.id);
  EXPECT_EQ((*d)->kind, ClaimKind::kSesDomain);
  EXPECT_EQ((*d)->seq, domain.seq);

  auto e = store().find_identity(kScope, "user@example.com");
  ASSERT_OK(e);
  ASSERT_TRUE(*e);
  EXPECT_EQ((*e)->id, email.id);

  auto l = store().find_identity(kScope, "lattice.example.com");
  ASSERT_OK(l);
  EXPECT_FALSE(*l) << "a Lattice claim is not an SES identity";

  auto unknown = store().find_identity(kScope, "unknown.example.com");
  ASSERT_OK(unknown);
  EXPECT_FALSE(*unknown);
}

TEST_P(StoreContractTest, FindIdentityIsScopedAndExact) {
  insert(make_claim(kScope, ClaimKind::kSesDomain, "example.com"));
  auto own = store().find_identity(kScope, "example.com");  // the control
  ASSERT_OK(own);
  EXPECT_TRUE(*own);
  for (const Scope& other : {kOtherRegion, kOtherAccount}) {
    auto r = store().find_identity(other, "example.com");
    ASSERT_OK(r);
    EXPECT_FALSE(*r);
  }
  // Subjects are stored normalised; the store matches them exactly.
  for (const char* s : {"EXAMPLE.COM", "example.com.", "xample.com", "example.co"}) {
    auto r = store().find_identity(kScope, s);
    ASSERT_OK(r);
    EXPECT_FALSE(*r) << s;
  }
}

TEST_P(StoreContractTest, FindIdentitiesReturnsTheSesIdentitiesAmongTheSubjects) {
  Claim a = insert(make_claim(kScope, ClaimKind::kSesDomain, "a.example"));
  Claim b = insert(make_claim(kScope, ClaimKind::kSesEmail, "b@example.com"));
  insert(make_claim(kScope, ClaimKind::kSesDomain, "not-asked.example"));
  insert(make_claim(kScope, ClaimKind::kLatticeDomain, "lattice.example"));
  insert(make_claim(kOtherRegion, ClaimKind::kSesDomain, "elsewhere.example"));

  auto r = store().find_identities(kScope, {"b@example.com", "unknown.example", "lattice.example",
                                            "elsewhere.example", "a.example"});
  ASSERT_OK(r);
  auto got = ids_of(*r);
  std::sort(got.begin(), got.end());
  auto want = std::vector<std::string>{a.id, b.id};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  for (const auto& c : *r) {
    if (c.id == a.id) {
      EXPECT_CLAIM_EQ(c, a);
    }
    if (c.id == b.id) {
      EXPECT_CLAIM_EQ(c, b);
    }
  }

  auto none = store().find_identities(kScope, {});
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreContractTest, WithIdentitiesSeesWhatFindIdentitiesReturns) {
  Claim a = insert(
      make_full_claim(kScope, ClaimKind::kSesDomain, ClaimStatus::kVerified, "a.example"));
  Claim b = insert(make_claim(kScope, ClaimKind::kSesEmail, "b@example.com"));
  insert(make_claim(kScope, ClaimKind::kLatticeDomain, "lattice.example"));
  const std::vector<std::string_view> asked = {"b@example.com", "unknown.example",
                                               "lattice.example", "a.example"};
  for (int round = 0; round < 2; ++round) {  // a cache answers the second from memory
    SCOPED_TRACE(round);
    int calls = 0;
    std::vector<Claim> seen;
    ASSERT_OK(store().with_identities(kScope, asked, [&](const std::vector<const Claim*>& claims) {
      ++calls;
      for (const Claim* c : claims) seen.push_back(*c);
    }));
    EXPECT_EQ(calls, 1);
    ASSERT_EQ(seen.size(), 2u);
    std::sort(seen.begin(), seen.end(), [](const Claim& x, const Claim& y) { return x.id < y.id; });
    const bool a_first = a.id < b.id;
    EXPECT_CLAIM_EQ(seen[a_first ? 0 : 1], a);
    EXPECT_CLAIM_EQ(seen[a_first ? 1 : 0], b);
  }
  int calls = 0;
  ASSERT_OK(store().with_identities(kScope, {}, [&](const std::vector<const Claim*>& claims) {
    ++calls;
    EXPECT_TRUE(claims.empty());
  }));
  EXPECT_EQ(calls, 1);
}

// --- record_checks -----------------------------------------------------------

TEST_P(StoreContractTest, RecordChecksComparesAndSetsEachRecordOnItsOwn) {
  Claim fresh = insert(make_claim(kScope, ClaimKind::kSesDomain, "fresh.example"));
  Claim stale = insert(make_claim(kScope, ClaimKind::kSesDomain, "stale.example"));
  Claim gone = insert(make_claim(kScope, ClaimKind::kLatticeDomain, "gone.example"));
  // Someone else updates `stale` and deletes `gone` after the checks read them.
  Claim moved = stale;
  moved.attempts = 9;
  ASSERT_OK(store().update_claim(moved));
  ASSERT_OK(store().delete_claim(kScope, gone.id));

  auto checked = [](Claim c) {
    c.status = ClaimStatus::kVerified;
    c.last_verified_at = T0 + hours(1);
    c.next_check_at = T0 + hours(25);
    c.absent_since = T0 + nanoseconds(5);
    c.attempts = 0;
    c.deadline = T0 + hours(99);
    return c;
  };
  std::vector<CheckRecord> records;
  records.push_back({checked(fresh), "{\"e\":1}",
                     StatusChange{T0 + hours(1), ClaimStatus::kPending, ClaimStatus::kVerified}});
  records.push_back({checked(stale), "{\"e\":2}",
                     StatusChange{T0 + hours(1), ClaimStatus::kPending, ClaimStatus::kVerified}});
  records.push_back({checked(gone), "{\"e\":3}", std::nullopt});
  auto out = store().record_checks(records);
  ASSERT_EQ(out.size(), 3u);

  ASSERT_OK(out[0]);
  EXPECT_EQ(out[0]->version, fresh.version + 1);
  auto got = get(kScope, fresh.id);
  ASSERT_TRUE(got);
  EXPECT_CLAIM_EQ(*got, *out[0]);
  auto evidence = store().last_evidence(fresh.id);
  ASSERT_OK(evidence);
  EXPECT_EQ(*evidence, std::optional<std::string>("{\"e\":1}"));
  auto history = store().history(fresh.id);
  ASSERT_OK(history);
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ(history->front().to, ClaimStatus::kVerified);

  ASSERT_FALSE(out[1].ok());
  EXPECT_EQ(out[1].error().code, ErrorCode::kAborted);
  got = get(kScope, stale.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->attempts, 9);  // the other writer's update stands
  EXPECT_EQ(got->status, ClaimStatus::kPending);
  auto none = store().last_evidence(stale.id);
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  auto no_history = store().history(stale.id);
  ASSERT_OK(no_history);
  EXPECT_TRUE(no_history->empty());

  ASSERT_FALSE(out[2].ok());
  EXPECT_EQ(out[2].error().code, ErrorCode::kNotFound);

  EXPECT_TRUE(store().record_checks({}).empty());
}

TEST_P(StoreContractTest, RecordChecksWritesOnlyWhatACheckMoves) {
  Claim c = insert(
      make_full_claim(kScope, ClaimKind::kLatticeDomain, ClaimStatus::kPending, "only.example"));
  Claim sent = c;
  sent.status = ClaimStatus::kFailed;
  sent.token = "not-a-check-field";
  sent.tags = {{"k", "v"}};
  auto out = store().record_checks({{sent, "{}", std::nullopt}});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_OK(out[0]);
  auto got = get(kScope, c.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, ClaimStatus::kFailed);
  EXPECT_EQ(got->token, c.token);
  EXPECT_EQ(got->tags, c.tags);
}

// --- uniqueness ------------------------------------------------------------

TEST_P(StoreContractTest, DuplicateSesSubjectInOneScopeIsAConflictNamingTheExistingId) {
  for (ClaimKind kind : kSesKinds) {
    SCOPED_TRACE(std::string(testing::to_string(kind)));
    const std::string subject = kind == ClaimKind::kSesEmail ? "dup@example.com"
                                                             : "dup.example.com";
    Claim first = insert(make_claim(kScope, kind, subject));

    Claim second = make_claim(kScope, kind, subject);
    second.token = "another-token";
    auto r = store().insert_claim(second);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kConflict) << testing::describe(r.error());
    EXPECT_EQ(r.error().resource_id, first.id);

    // Nothing of the loser was written.
    EXPECT_FALSE(get(kScope, second.id));
    auto found = store().find_identity(kScope, subject);
    ASSERT_OK(found);
    ASSERT_TRUE(*found);
    EXPECT_CLAIM_EQ(**found, first);
  }
  EXPECT_EQ(count(kScope, kAllKinds), 2u);
}

TEST_P(StoreContractTest, SameSesSubjectInAnotherRegionOrAccountIsFine) {
  Claim here = insert(make_claim(kScope, ClaimKind::kSesDomain, "example.com"));
  Claim region = insert(make_claim(kOtherRegion, ClaimKind::kSesDomain, "example.com"));
  Claim account = insert(make_claim(kOtherAccount, ClaimKind::kSesDomain, "example.com"));
  EXPECT_NE(here.id, region.id);
  for (const auto& [scope, id] : {std::pair{kScope, here.id}, std::pair{kOtherRegion, region.id},
                                  std::pair{kOtherAccount, account.id}}) {
    auto r = store().find_identity(scope, "example.com");
    ASSERT_OK(r);
    ASSERT_TRUE(*r);
    EXPECT_EQ((*r)->id, id);
    EXPECT_EQ(count(scope, kAllKinds), 1u);
  }
}

TEST_P(StoreContractTest, LatticeClaimsWithTheSameSubjectDoNotConflict) {
  Claim l1 = insert(make_claim(kScope, ClaimKind::kLatticeDomain, "example.com"));
  Claim l2 = insert(make_claim(kScope, ClaimKind::kLatticeDomain, "example.com"));
  Claim ses = insert(make_claim(kScope, ClaimKind::kSesDomain, "example.com"));
  EXPECT_EQ(ids_of(list(kScope, kAllKinds)), (std::vector<std::string>{l1.id, l2.id, ses.id}));
  EXPECT_EQ(count(kScope, {ClaimKind::kLatticeDomain}), 2u);
  EXPECT_EQ(count(kScope, {ClaimKind::kSesDomain}), 1u);
}

// --- DKIM claims -----------------------------------------------------------

TEST_P(StoreContractTest, DkimClaimsAreFoundBySubjectButAreNoIdentities) {
  Claim domain = insert(make_claim(kScope, ClaimKind::kSesDomain, "example.com"));
  std::vector<std::string> want;
  for (int i = 0; i < 3; ++i)
    want.push_back(insert(make_claim(kScope, ClaimKind::kSesDkim, "example.com")).id);
  insert(make_claim(kScope, ClaimKind::kSesDkim, "other.example"));
  insert(make_claim(kOtherRegion, ClaimKind::kSesDkim, "example.com"));
  insert(make_claim(kScope, ClaimKind::kLatticeDomain, "example.com"));

  auto found = store().find_claims(kScope, ClaimKind::kSesDkim, {"example.com", "unknown.example"});
  ASSERT_OK(found);
  EXPECT_EQ(ids_of(*found), want);  // in seq order
  EXPECT_EQ((*found)[1].record_name, core::dkim_record_name(want[1], "example.com"));
  auto both = store().find_claims(kScope, ClaimKind::kSesDkim, {"other.example", "example.com"});
  ASSERT_OK(both);
  EXPECT_EQ(both->size(), 4u);
  auto none = store().find_claims(kScope, ClaimKind::kSesDkim, {});
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
  auto ses = store().find_claims(kScope, ClaimKind::kSesDomain, {"example.com"});
  ASSERT_OK(ses);
  EXPECT_EQ(ids_of(*ses), std::vector<std::string>{domain.id});

  // Identity reads, listings and quotas see the domain alone.
  auto id = store().find_identity(kScope, "example.com");
  ASSERT_OK(id);
  ASSERT_TRUE(*id);
  EXPECT_EQ((*id)->id, domain.id);
  auto ids = store().find_identities(kScope, {"example.com", "other.example"});
  ASSERT_OK(ids);
  EXPECT_EQ(ids_of(*ids), std::vector<std::string>{domain.id});
  EXPECT_EQ(ids_of(list(kScope, kSesKinds)), std::vector<std::string>{domain.id});
  EXPECT_EQ(count(kScope, kSesKinds), 1u);
  EXPECT_EQ(count(kScope, {ClaimKind::kSesDkim}), 4u);
}

TEST_P(StoreContractTest, FindClaimsTakesManySubjects) {
  std::vector<std::string> subjects, want;
  for (int i = 0; i < 250; ++i) {
    subjects.push_back("d" + std::to_string(i) + ".example");
    if (i % 2 == 0)
      want.push_back(insert(make_claim(kScope, ClaimKind::kSesDkim, subjects.back())).id);
  }
  auto found = store().find_claims(kScope, ClaimKind::kSesDkim, subjects);
  ASSERT_OK(found);
  EXPECT_EQ(ids_of(*found), want);
}

TEST_P(StoreContractTest, ASecondDkimClaimForOneRecordIsAConflict) {
  Claim first = insert(make_claim(kScope, ClaimKind::kSesDkim, "example.com"));
  Claim second = make_claim(kScope, ClaimKind::kSesDkim, "example.com");
  second.record_name = first.record_name;
  auto r = store().insert_claim(second);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kConflict) << testing::describe(r.error());
  EXPECT_EQ(r.error().resource_id, first.id);
  EXPECT_FALSE(get(kScope, second.id));
  // The same record in another region is another claim.
  Claim elsewhere = make_claim(kOtherRegion, ClaimKind::kSesDkim, "example.com");
  elsewhere.record_name = first.record_name;
  EXPECT_TRUE(store().insert_claim(elsewhere).ok());
}

// --- list_claims / count_claims --------------------------------------------

class StoreListingTest : public StoreContractTest {
 protected:
  // Interleaved kinds in one scope, plus noise in the other scopes.
  void SetUp() override {
    StoreContractTest::SetUp();
    for (int i = 0; i < 9; ++i) {
      ClaimKind kind = kAllKinds[i % 3];
      std::string subject = kind == ClaimKind::kSesEmail ? "u" + std::to_string(i) + "@example.com"
                                                         : "d" + std::to_string(i) + ".example";
      claims_.push_back(insert(make_claim(kScope, kind, subject)));
      insert(make_claim(kOtherRegion, kind, subject));
      insert(make_claim(kOtherAccount, kind, subject));
    }
  }

  std::vector<std::string> want_ids(const std::vector<ClaimKind>& kinds, int64_t after = 0) {
    std::vector<std::string> out;
    for (const auto& c : claims_) {
      if (c.seq > after && std::find(kinds.begin(), kinds.end(), c.kind) != kinds.end()) {
        out.push_back(c.id);
      }
    }
    return out;
  }

  std::vector<Claim> claims_;  // kScope's, in insertion order
};

TEST_P(StoreListingTest, ListsInIncreasingSeqOrder) {
  auto got = list(kScope, kAllKinds);
  EXPECT_EQ(ids_of(got), want_ids(kAllKinds));
  for (size_t i = 0; i < got.size(); ++i) EXPECT_CLAIM_EQ(got[i], claims_[i]);
}

TEST_P(StoreListingTest, FiltersByKind) {
  EXPECT_EQ(ids_of(list(kScope, {ClaimKind::kSesDomain})), want_ids({ClaimKind::kSesDomain}));
  EXPECT_EQ(ids_of(list(kScope, {ClaimKind::kSesEmail})), want_ids({ClaimKind::kSesEmail}));
  EXPECT_EQ(ids_of(list(kScope, {ClaimKind::kLatticeDomain})),
            want_ids({ClaimKind::kLatticeDomain}));
  EXPECT_EQ(ids_of(list(kScope, kSesKinds)), want_ids(kSesKinds));
  EXPECT_EQ(want_ids({ClaimKind::kSesDomain}).size(), 3u);
  EXPECT_EQ(want_ids(kSesKinds).size(), 6u);
}

TEST_P(StoreListingTest, ResumesAfterSeq) {
  EXPECT_EQ(ids_of(list(kScope, kAllKinds, claims_[3].seq)), want_ids(kAllKinds, claims_[3].seq));
  EXPECT_EQ(list(kScope, kAllKinds, claims_[3].seq).size(), 5u);
  EXPECT_TRUE(list(kScope, kAllKinds, claims_.back().seq).empty());
  // after_seq need not be a seq of this listing (e.g. a deleted claim's).
  EXPECT_EQ(ids_of(list(kScope, {ClaimKind::kSesEmail}, claims_[3].seq)),
            want_ids({ClaimKind::kSesEmail}, claims_[3].seq));
}

TEST_P(StoreListingTest, StopsAtTheLimit) {
  EXPECT_EQ(ids_of(list(kScope, kAllKinds, 0, 4)),
            (std::vector<std::string>{claims_[0].id, claims_[1].id, claims_[2].id, claims_[3].id}));
  EXPECT_EQ(ids_of(list(kScope, kAllKinds, 0, 1)), std::vector<std::string>{claims_[0].id});
  EXPECT_EQ(list(kScope, kAllKinds, 0, 9).size(), 9u);
  EXPECT_EQ(list(kScope, kAllKinds, 0, 1000).size(), 9u);
  // Paging by limit + after_seq visits every claim once.
  std::vector<std::string> paged;
  int64_t after = 0;
  for (;;) {
    auto page = list(kScope, kAllKinds, after, 2);
    if (page.empty()) break;
    ASSERT_LE(page.size(), 2u);
    for (const auto& c : page) paged.push_back(c.id);
    after = page.back().seq;
  }
  EXPECT_EQ(paged, want_ids(kAllKinds));
}

TEST_P(StoreListingTest, SeesOnlyItsOwnScope) {
  const Scope nobody{"999999999999", "us-east-1"};
  EXPECT_TRUE(list(nobody, kAllKinds).empty());
  for (const Scope& s : {kOtherRegion, kOtherAccount}) {
    auto got = list(s, kAllKinds);
    ASSERT_EQ(got.size(), 9u);
    for (const auto& c : got) EXPECT_EQ(c.scope, s);
  }
  EXPECT_EQ(subjects_of(list(kOtherRegion, kAllKinds)), subjects_of(claims_));
}

TEST_P(StoreListingTest, CountsByScopeAndKind) {
  EXPECT_EQ(count(kScope, kAllKinds), 9u);
  EXPECT_EQ(count(kScope, kSesKinds), 6u);
  EXPECT_EQ(count(kScope, {ClaimKind::kSesEmail}), 3u);
  EXPECT_EQ(count(kScope, {ClaimKind::kLatticeDomain}), 3u);
  EXPECT_EQ(count(kOtherRegion, kAllKinds), 9u);
  EXPECT_EQ(count(Scope{"999999999999", "us-east-1"}, kAllKinds), 0u);
  ASSERT_OK(store().delete_claim(kScope, claims_[0].id));
  EXPECT_EQ(count(kScope, kAllKinds), 8u);
  EXPECT_EQ(count(kScope, {ClaimKind::kSesDomain}), 2u);
  EXPECT_EQ(count(kOtherRegion, kAllKinds), 9u);
}

// --- update_claim ----------------------------------------------------------

TEST_P(StoreContractTest, UpdateWithTheCurrentVersionStoresTheClaimAndBumpsTheVersion) {
  Claim c = insert(make_claim(kScope, ClaimKind::kSesDomain, "example.com"));
  Claim changed = c;
  changed.status = ClaimStatus::kVerified;
  changed.last_verified_at = T0 + hours(1) + nanoseconds(5);
  changed.next_check_at = T0 + hours(25);
  changed.attempts = 3;
  changed.dkim_tokens = {"t1t1t1t1t1t1t1t1t1t1t1t1t1t1t1t1", "t2", "t3"};
  auto r = store().update_claim(changed);
  ASSERT_OK(r);
  EXPECT_EQ(r->version, 2);
  EXPECT_EQ(r->seq, c.seq);

  Claim want = changed;
  want.version = 2;
  auto got = get(kScope, c.id);
  ASSERT_TRUE(got);
  EXPECT_CLAIM_EQ(*got, want);

  // And again from the returned claim.
  Claim again = *r;
  again.attempts = 4;
  auto r2 = store().update_claim(again);
  ASSERT_OK(r2);
  EXPECT_EQ(r2->version, 3);
  EXPECT_EQ(get(kScope, c.id)->attempts, 4);
  EXPECT_EQ(get(kScope, c.id)->version, 3);
  // The listing position does not move.
  EXPECT_EQ(get(kScope, c.id)->seq, c.seq);
}

TEST_P(StoreContractTest, UpdateWithAStaleVersionIsAbortedAndChangesNothing) {
  Claim c = insert(make_claim(kScope, ClaimKind::kSesDomain, "example.com"));
  Claim winner = c;
  winner.status = ClaimStatus::kVerified;
  auto won = store().update_claim(winner);
  ASSERT_OK(won);

  Claim loser = c;  // still version 1
  loser.status = ClaimStatus::kFailed;
  loser.attempts = 99;
  auto lost = store().update_claim(loser);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, ErrorCode::kAborted) << testing::describe(lost.error());

  auto got = get(kScope, c.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, ClaimStatus::kVerified);
  EXPECT_EQ(got->attempts, 0);
  EXPECT_EQ(got->version, 2);

  Claim future = *won;
  future.version = 7;  // a version the store never handed out
  auto r = store().update_claim(future);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kAborted);
  EXPECT_EQ(get(kScope, c.id)->version, 2);
}

TEST_P(StoreContractTest, UpdateOfADeletedClaimIsNotFound) {
  Claim c = insert(make_claim(kScope, ClaimKind::kSesEmail, "user@example.com"));
  auto deleted = store().delete_claim(kScope, c.id);
  ASSERT_OK(deleted);
  ASSERT_TRUE(*deleted);
  c.status = ClaimStatus::kVerified;
  auto r = store().update_claim(c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound) << testing::describe(r.error());
  EXPECT_FALSE(get(kScope, c.id));
  EXPECT_EQ(count(kScope, kAllKinds), 0u);
}

// --- delete_claim ----------------------------------------------------------

TEST_P(StoreContractTest, DeletingAClaimFailsItsUndeliveredMailOnly) {
  Claim gone = insert(make_claim(kScope, ClaimKind::kSesEmail, "gone@example.com"));
  Claim kept = insert(make_claim(kScope, ClaimKind::kSesEmail, "kept@example.com"));
  auto queue = [&](const Claim& c, core::Mail::State state) {
    core::Mail m;
    m.claim_id = c.id;
    m.scope = kScope;
    m.from = "from@vouch.test";
    m.to = c.subject;
    m.state = state;
    auto r = store().enqueue_mail(m);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->id : 0;
  };
  const int64_t queued = queue(gone, core::Mail::State::kQueued);
  const int64_t sent = queue(gone, core::Mail::State::kSent);
  const int64_t other = queue(kept, core::Mail::State::kQueued);
  auto r = store().delete_claim(kScope, gone.id);
  ASSERT_OK(r);
  ASSERT_TRUE(*r);
  auto state_of = [&](int64_t id) {
    auto m = store().list_mail(std::nullopt, id);
    EXPECT_TRUE(m.ok() && m->size() == 1);
    return m.ok() && m->size() == 1 ? m->front() : core::Mail{};
  };
  EXPECT_EQ(state_of(queued).state, core::Mail::State::kFailed);
  EXPECT_EQ(state_of(queued).last_error, "identity deleted before delivery");
  EXPECT_EQ(state_of(sent).state, core::Mail::State::kSent);
  EXPECT_EQ(state_of(other).state, core::Mail::State::kQueued);
}

// --- outbox: cooldown, inbox pages, hiding, retention ------------------------

TEST_P(StoreContractTest, LastMailToIsTheNewestMessageToThatAddressInThatScope) {
  const core::TimePoint t0 = core::TimePoint(std::chrono::seconds(1'700'000'000));
  auto last = [&](const Scope& s, const std::string& to) {
    auto r = store().last_mail_to(s, to);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::nullopt;
  };
  EXPECT_EQ(last(kScope, "a@example.com"), std::nullopt);
  ASSERT_OK(store().enqueue_mail(mail_to(kScope, "a@example.com", core::Mail::State::kSent, t0)));
  ASSERT_OK(store().enqueue_mail(
      mail_to(kScope, "a@example.com", core::Mail::State::kQueued, t0 + std::chrono::seconds(5))));
  ASSERT_OK(store().enqueue_mail(mail_to(kOtherRegion, "a@example.com", core::Mail::State::kSent,
                                         t0 + std::chrono::seconds(9))));
  EXPECT_EQ(last(kScope, "a@example.com"), t0 + std::chrono::seconds(5));
  EXPECT_EQ(last(kOtherRegion, "a@example.com"), t0 + std::chrono::seconds(9));
  EXPECT_EQ(last(kOtherAccount, "a@example.com"), std::nullopt);
  EXPECT_EQ(last(kScope, "b@example.com"), std::nullopt);
  // Mail the SMTP server refused reached nobody: it does not count...
  core::Mail refused = mail_to(kScope, "a@example.com", core::Mail::State::kFailed,
                               t0 + std::chrono::seconds(60));
  refused.attempts = 1;
  ASSERT_OK(store().enqueue_mail(refused));
  EXPECT_EQ(last(kScope, "a@example.com"), t0 + std::chrono::seconds(5));
  // ...but mail failed before any attempt (its identity deleted) does.
  ASSERT_OK(store().enqueue_mail(
      mail_to(kScope, "a@example.com", core::Mail::State::kFailed, t0 + std::chrono::seconds(70))));
  EXPECT_EQ(last(kScope, "a@example.com"), t0 + std::chrono::seconds(70));
  // Hidden mail still counts: clearing the inbox does not end a cooldown.
  ASSERT_OK(store().hide_mail(std::nullopt));
  EXPECT_EQ(last(kOtherRegion, "a@example.com"), t0 + std::chrono::seconds(9));
}

TEST_P(StoreContractTest, InboxPagesAreScopedFilteredAndBounded) {
  const core::TimePoint t0 = core::TimePoint(std::chrono::seconds(1'700'000'000));
  std::vector<int64_t> mine;
  for (int i = 0; i < 5; ++i) {
    auto m = store().enqueue_mail(mail_to(kScope, "u" + std::to_string(i % 2) + "@example.com",
                                          core::Mail::State::kSent, t0));
    ASSERT_OK(m);
    mine.push_back(m->id);
  }
  ASSERT_OK(
      store().enqueue_mail(mail_to(kOtherAccount, "u0@example.com", core::Mail::State::kSent, t0)));
  auto ids = [&](const core::Store::MailQuery& q) {
    std::vector<int64_t> out;
    auto r = store().list_mail_page(q);
    EXPECT_TRUE(r.ok());
    if (r.ok())
      for (const auto& m : *r) out.push_back(m.id);
    return out;
  };
  core::Store::MailQuery q;
  EXPECT_EQ(ids(q).size(), 6u);  // no scope: every account's
  q.scope = kScope;
  EXPECT_EQ(ids(q), mine);
  q.limit = 2;
  EXPECT_EQ(ids(q), (std::vector<int64_t>{mine[0], mine[1]}));
  q.after_id = mine[1];
  EXPECT_EQ(ids(q), (std::vector<int64_t>{mine[2], mine[3]}));
  q = {};
  q.scope = kScope;
  q.address = "u0@example.com";
  EXPECT_EQ(ids(q), (std::vector<int64_t>{mine[0], mine[2], mine[4]}));
  q.address.reset();
  q.id = mine[3];
  EXPECT_EQ(ids(q), (std::vector<int64_t>{mine[3]}));
  q.scope = kOtherRegion;
  EXPECT_EQ(ids(q), (std::vector<int64_t>{}));
}

TEST_P(StoreContractTest, HidingMailKeepsQueuedMailAndOtherScopes) {
  const core::TimePoint t0 = core::TimePoint(std::chrono::seconds(1'700'000'000));
  auto queued = store().enqueue_mail(
      mail_to(kScope, "q@example.com", core::Mail::State::kQueued, t0));
  auto sent = store().enqueue_mail(mail_to(kScope, "s@example.com", core::Mail::State::kSent, t0));
  auto failed = store().enqueue_mail(
      mail_to(kScope, "f@example.com", core::Mail::State::kFailed, t0));
  auto other = store().enqueue_mail(
      mail_to(kOtherRegion, "o@example.com", core::Mail::State::kSent, t0));
  ASSERT_OK(queued);
  ASSERT_OK(sent);
  ASSERT_OK(failed);
  ASSERT_OK(other);
  auto hidden = store().hide_mail(kScope);
  ASSERT_OK(hidden);
  EXPECT_EQ(*hidden, 2u);
  auto page = store().list_mail_page({});
  ASSERT_OK(page);
  std::vector<int64_t> left;
  for (const auto& m : *page) left.push_back(m.id);
  EXPECT_EQ(left, (std::vector<int64_t>{queued->id, other->id}));
  // Queued mail is still delivered.
  auto due = store().due_mail(t0, 10);
  ASSERT_OK(due);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->front().id, queued->id);
}

TEST_P(StoreContractTest, PruningDeletesOnlyOldDeliveredOrFailedMail) {
  const core::TimePoint t0 = core::TimePoint(std::chrono::seconds(1'700'000'000));
  const auto later = t0 + std::chrono::hours(1);
  auto old_queued = store().enqueue_mail(
      mail_to(kScope, "q@example.com", core::Mail::State::kQueued, t0));
  auto old_sent = store().enqueue_mail(
      mail_to(kScope, "s@example.com", core::Mail::State::kSent, t0));
  auto old_failed = store().enqueue_mail(
      mail_to(kOtherAccount, "f@example.com", core::Mail::State::kFailed, t0));
  auto new_sent = store().enqueue_mail(
      mail_to(kScope, "n@example.com", core::Mail::State::kSent, later));
  ASSERT_OK(old_queued);
  ASSERT_OK(old_sent);
  ASSERT_OK(old_failed);
  ASSERT_OK(new_sent);
  auto one = store().prune_mail(later, 1);  // bounded
  ASSERT_OK(one);
  EXPECT_EQ(*one, 1u);
  auto rest = store().prune_mail(later, 100);
  ASSERT_OK(rest);
  EXPECT_EQ(*rest, 1u);
  auto left = store().list_mail(std::nullopt, std::nullopt);
  ASSERT_OK(left);
  std::vector<int64_t> ids;
  for (const auto& m : *left) ids.push_back(m.id);
  EXPECT_EQ(ids, (std::vector<int64_t>{old_queued->id, new_sent->id}));
}

TEST_P(StoreContractTest, DeleteReportsWhetherAClaimWasDeletedAndIsScoped) {
  Claim c = insert(make_claim(kScope, ClaimKind::kSesDomain, "example.com"));
  Claim keep = insert(make_claim(kScope, ClaimKind::kSesDomain, "keep.example.com"));

  for (const Scope& other : {kOtherRegion, kOtherAccount}) {
    auto r = store().delete_claim(other, c.id);
    ASSERT_OK(r);
    EXPECT_FALSE(*r) << "another scope must not delete it";
  }
  EXPECT_TRUE(get(kScope, c.id));

  auto r = store().delete_claim(kScope, c.id);
  ASSERT_OK(r);
  EXPECT_TRUE(*r);
  EXPECT_FALSE(get(kScope, c.id));
  auto again = store().delete_claim(kScope, c.id);
  ASSERT_OK(again);
  EXPECT_FALSE(*again);
  auto unknown = store().delete_claim(kScope, "id-ffffffffffffffffffff");
  ASSERT_OK(unknown);
  EXPECT_FALSE(*unknown);

  EXPECT_EQ(ids_of(list(kScope, kAllKinds)), std::vector<std::string>{keep.id});
  // The subject is free again.
  Claim reborn = insert(make_claim(kScope, ClaimKind::kSesDomain, "example.com"));
  EXPECT_GT(reborn.seq, keep.seq);
}

// --- due_claims ------------------------------------------------------------

TEST_P(StoreContractTest, DueClaimsAfterPagesInDueThenSeqOrder) {
  // Five claims due at the same time (a sweep's backlog) and two around them.
  std::vector<Claim> same;
  Claim early = make_claim(kScope, ClaimKind::kSesDomain, "early.example");
  early.next_check_at = T0 - hours(1);
  early = insert(early);
  for (int i = 0; i < 5; ++i) {
    Claim c = make_claim(i % 2 ? kOtherRegion : kScope, ClaimKind::kSesDomain,
                         "same" + std::to_string(i) + ".example");
    c.next_check_at = T0;
    same.push_back(insert(c));
  }
  Claim late = make_claim(kScope, ClaimKind::kLatticeDomain, "late.example");
  late.next_check_at = T0 + hours(1);
  late = insert(late);
  Claim future = make_claim(kScope, ClaimKind::kSesDomain, "future.example");
  future.next_check_at = T0 + hours(5);
  future = insert(future);

  const TimePoint now = T0 + hours(2);
  std::vector<std::string> paged;
  Store::DueCursor cursor{};
  for (int page = 0; page < 10; ++page) {
    auto r = store().due_claims_after(now, cursor, 3);
    ASSERT_OK(r);
    if (r->empty()) break;
    EXPECT_LE(r->size(), 3u);
    for (const auto& c : *r) paged.push_back(c.id);
    cursor = {*r->back().next_check_at, r->back().seq};
  }
  EXPECT_EQ(paged, (std::vector<std::string>{early.id, same[0].id, same[1].id, same[2].id,
                                             same[3].id, same[4].id, late.id}));
  auto all = store().due_claims(now, 100);
  ASSERT_OK(all);
  EXPECT_EQ(ids_of(*all), paged);  // due_claims is the first page of the same order
}

TEST_P(StoreContractTest, DueClaimsAreOldestDueFirstAcrossScopesUpToTheLimit) {
  auto with_next = [&](const Scope& scope, const std::string& subject,
                       std::optional<TimePoint> next) {
    Claim c = make_claim(scope, ClaimKind::kSesDomain, subject);
    c.next_check_at = next;
    return insert(c);
  };
  // Inserted out of due order, across scopes.
  Claim c3 = with_next(kScope, "c3.example", T0 + hours(3));
  Claim c1 = with_next(kOtherAccount, "c1.example", T0 + hours(1));
  Claim none = with_next(kScope, "none.example", std::nullopt);
  Claim c4 = with_next(kOtherRegion, "c4.example", T0 + hours(4));  // due exactly at `now`
  Claim future = with_next(kScope, "future.example", T0 + hours(4) + nanoseconds(1));
  Claim c2 = with_next(kScope, "c2.example", T0 + hours(2));
  Claim c0 = with_next(kScope, "c0.example", T0 - hours(100));

  const TimePoint now = T0 + hours(4);
  auto all = store().due_claims(now, 100);
  ASSERT_OK(all);
  EXPECT_EQ(ids_of(*all), (std::vector<std::string>{c0.id, c1.id, c2.id, c3.id, c4.id}));
  for (const auto& c : *all) {
    if (c.id == c1.id) {
      EXPECT_CLAIM_EQ(c, c1);
    }
  }

  auto two = store().due_claims(now, 2);
  ASSERT_OK(two);
  EXPECT_EQ(ids_of(*two), (std::vector<std::string>{c0.id, c1.id}));

  auto early = store().due_claims(T0 - hours(200), 100);
  ASSERT_OK(early);
  EXPECT_TRUE(early->empty());

  auto later = store().due_claims(T0 + hours(1000), 100);
  ASSERT_OK(later);
  EXPECT_EQ(ids_of(*later),
            (std::vector<std::string>{c0.id, c1.id, c2.id, c3.id, c4.id, future.id}));

  // Clearing next_check_at takes a claim off the schedule.
  Claim off = c2;
  off.next_check_at.reset();
  ASSERT_OK(store().update_claim(off));
  auto after = store().due_claims(now, 100);
  ASSERT_OK(after);
  EXPECT_EQ(ids_of(*after), (std::vector<std::string>{c0.id, c1.id, c3.id, c4.id}));
  (void)none;
}

// --- accounts --------------------------------------------------------------

TEST_P(StoreContractTest, AccountsArePutFoundAndReplacedByAccessKeyId) {
  auto missing = store().find_account("AKIDEXAMPLE");
  ASSERT_OK(missing);
  EXPECT_FALSE(*missing);

  ASSERT_OK(store().put_account(Account{"111122223333", "AKIDEXAMPLE", "secret-1"}));
  ASSERT_OK(store().put_account(Account{"444455556666", "AKIDOTHER", "secret-2"}));

  auto a = store().find_account("AKIDEXAMPLE");
  ASSERT_OK(a);
  ASSERT_TRUE(*a);
  EXPECT_EQ((*a)->account_id, "111122223333");
  EXPECT_EQ((*a)->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ((*a)->secret_access_key, "secret-1");

  ASSERT_OK(store().put_account(Account{"777788889999", "AKIDEXAMPLE", "secret-3"}));
  auto replaced = store().find_account("AKIDEXAMPLE");
  ASSERT_OK(replaced);
  ASSERT_TRUE(*replaced);
  EXPECT_EQ((*replaced)->account_id, "777788889999");
  EXPECT_EQ((*replaced)->secret_access_key, "secret-3");

  auto other = store().find_account("AKIDOTHER");
  ASSERT_OK(other);
  ASSERT_TRUE(*other);
  EXPECT_EQ((*other)->account_id, "444455556666");
  EXPECT_EQ((*other)->secret_access_key, "secret-2");

  auto case_differs = store().find_account("akidexample");
  ASSERT_OK(case_differs);
  EXPECT_FALSE(*case_differs);
}

TEST_P(StoreContractTest, AccountsAreDeletedByAccessKeyId) {
  ASSERT_OK(store().put_account(Account{"111122223333", "AKIDEXAMPLE", "secret-1"}));
  ASSERT_OK(store().put_account(Account{"444455556666", "AKIDOTHER", "secret-2"}));

  auto deleted = store().delete_account("AKIDEXAMPLE");
  ASSERT_OK(deleted);
  EXPECT_TRUE(*deleted);
  auto gone = store().find_account("AKIDEXAMPLE");
  ASSERT_OK(gone);
  EXPECT_FALSE(*gone);
  // The other key is untouched, and deleting again says there was none.
  auto other = store().find_account("AKIDOTHER");
  ASSERT_OK(other);
  EXPECT_TRUE(*other);
  auto again = store().delete_account("AKIDEXAMPLE");
  ASSERT_OK(again);
  EXPECT_FALSE(*again);
  auto case_differs = store().delete_account("akidother");
  ASSERT_OK(case_differs);
  EXPECT_FALSE(*case_differs);
  // A deleted key can be added again.
  ASSERT_OK(store().put_account(Account{"111122223333", "AKIDEXAMPLE", "secret-3"}));
  auto back = store().find_account("AKIDEXAMPLE");
  ASSERT_OK(back);
  ASSERT_TRUE(*back);
  EXPECT_EQ((*back)->secret_access_key, "secret-3");
}

TEST_P(StoreContractTest, AccountsAreListedByAccessKeyId) {
  auto none = store().list_accounts();
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
  ASSERT_OK(store().put_account(Account{"444455556666", "AKIDZULU", "secret-z"}));
  ASSERT_OK(store().put_account(Account{"111122223333", "AKIDALPHA", "secret-a"}));
  ASSERT_OK(store().put_account(Account{"777788889999", "AKIDALPHA", "secret-b"}));  // replaces
  auto all = store().list_accounts();
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].access_key_id, "AKIDALPHA");
  EXPECT_EQ((*all)[0].account_id, "777788889999");
  EXPECT_EQ((*all)[0].secret_access_key, "secret-b");
  EXPECT_EQ((*all)[1].access_key_id, "AKIDZULU");
  EXPECT_EQ((*all)[1].account_id, "444455556666");
  ASSERT_OK(store().delete_account("AKIDZULU"));
  auto after = store().list_accounts();
  ASSERT_OK(after);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].access_key_id, "AKIDALPHA");
}

TEST_P(StoreContractTest, HasClaimsSeesAClaimOfAnyScopeAndNotAccounts) {
  ASSERT_OK(store().put_account(Account{"111122223333", "AKIDEXAMPLE", "secret"}));
  auto none = store().has_claims();
  ASSERT_OK(none);
  EXPECT_FALSE(*none) << "accounts are not claims";
  Claim c = insert(make_claim(kOtherAccount, ClaimKind::kLatticeDomain, "example.com"));
  auto some = store().has_claims();
  ASSERT_OK(some);
  EXPECT_TRUE(*some);
  ASSERT_OK(store().delete_claim(c.scope, c.id));
  auto after = store().has_claims();
  ASSERT_OK(after);
  EXPECT_FALSE(*after);
}

TEST_P(StoreContractTest, ClearClaimsRemovesEveryClaimAndKeepsAccounts) {
  ASSERT_OK(store().put_account(Account{"111122223333", "AKIDEXAMPLE", "secret"}));
  for (const Scope& s : {kScope, kOtherRegion, kOtherAccount}) {
    for (ClaimKind kind : kAllKinds) {
      Claim c = make_claim(s, kind, kind == ClaimKind::kSesEmail ? "u@example.com" : "example.com");
      c.next_check_at = T0;
      insert(c);
    }
  }
  ASSERT_OK(store().clear_claims());
  for (const Scope& s : {kScope, kOtherRegion, kOtherAccount}) {
    EXPECT_EQ(count(s, kAllKinds), 0u);
    EXPECT_TRUE(list(s, kAllKinds).empty());
  }
  auto due = store().due_claims(T0 + hours(1), 100);
  ASSERT_OK(due);
  EXPECT_TRUE(due->empty());
  auto account = store().find_account("AKIDEXAMPLE");
  ASSERT_OK(account);
  ASSERT_TRUE(*account);
  EXPECT_EQ((*account)->secret_access_key, "secret");
  // The store is usable afterwards, and subjects are free again.
  insert(make_claim(kScope, ClaimKind::kSesDomain, "example.com"));
  EXPECT_EQ(count(kScope, kAllKinds), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreListingTest, ::testing::ValuesIn(contract_backends()),
                         backend_name);

}  // namespace
}  // namespace vouch::core::contract
