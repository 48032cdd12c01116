// The Store contract for inserts arriving at once (PostgreSQL writes them in
// one statement): each gets its own outcome, a subject taken by another
// insert of the same batch is a conflict naming the claim that holds it, and
// seqs are unique.
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "store/store_contract_test_util.h"

namespace vouch::core::contract {
namespace {

TEST_P(StoreContractTest, ConcurrentInsertsEachGetTheirOwnOutcome) {
  constexpr int kThreads = 8, kEach = 25;
  std::vector<std::vector<Result<Claim>>> got(kThreads);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go) std::this_thread::yield();
      for (int i = 0; i < kEach; ++i) {
        // Even threads share their subjects (a race for each); odd ones own theirs.
        const std::string subject = t % 2 ? "own" + std::to_string(t) + "-" + std::to_string(i)
                                          : "shared" + std::to_string(i);
        got[t].push_back(
            store().insert_claim(make_claim(kScope, ClaimKind::kSesDomain, subject + ".example")));
      }
    });
  }
  go = true;
  for (auto& th : threads) th.join();
  std::set<int64_t> seqs;
  std::map<std::string, std::string> holder;  // subject -> the id inserted
  size_t conflicts = 0;
  for (const auto& results : got) {
    for (const auto& r : results) {
      if (r.ok()) {
        EXPECT_TRUE(seqs.insert(r->seq).second) << "seq twice: " << r->seq;
        EXPECT_EQ(r->version, 1);
        EXPECT_TRUE(holder.emplace(r->subject, r->id).second) << "two claims of " << r->subject;
      } else {
        ++conflicts;
        EXPECT_EQ(r.error().code, ErrorCode::kConflict);
      }
    }
  }
  // Odd threads' 4 x 25 subjects, and 25 shared ones once each.
  EXPECT_EQ(holder.size(), static_cast<size_t>(4 * kEach + kEach));
  EXPECT_EQ(conflicts, static_cast<size_t>(3 * kEach));
  for (const auto& results : got) {
    for (const auto& r : results) {
      if (r.ok()) continue;
      // The conflict names the claim that holds the subject.
      auto stored = store().get_claim(kScope, r.error().resource_id);
      ASSERT_OK(stored);
      ASSERT_TRUE(*stored);
      EXPECT_EQ(holder.at((*stored)->subject), (*stored)->id);
    }
  }
  for (const auto& [subject, id] : holder) {
    auto c = get(kScope, id);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->subject, subject);
    EXPECT_EQ(c->version, 1);
  }
}

}  // namespace
}  // namespace vouch::core::contract
