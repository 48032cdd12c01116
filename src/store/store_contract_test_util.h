// The Store contract (core/store.h), written once and run against every
// backend: the fixture and helpers the contract's test files share. A backend
// joins by adding one StoreBackend to contract_backends() in
// store_contract_backends_test.cc: a name and a factory that opens a fresh, empty
// store in a scratch directory.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "core/claim.h"
#include "core/mail.h"
#include "core/store.h"
#include "testing/printers.h"
#include "testing/temp_dir.h"

namespace vouch::core::contract {

using std::chrono::hours;
using std::chrono::nanoseconds;

using StoreFactory = std::function<std::unique_ptr<Store>(const std::string& dir)>;

struct StoreBackend {
  std::string name;
  StoreFactory open;
};

// Test names and failure messages show the backend's name.
inline void PrintTo(const StoreBackend& b, std::ostream* os) { *os << b.name; }

inline const Scope kScope{"111122223333", "us-east-1"};
inline const Scope kOtherRegion{"111122223333", "eu-west-1"};
inline const Scope kOtherAccount{"444455556666", "us-east-1"};

// Nanosecond-precise, so a backend that rounds to micro- or milliseconds fails.
inline const TimePoint T0 = TimePoint(nanoseconds(1'700'000'000'123'456'789));

inline const std::vector<ClaimKind> kAllKinds = {
    ClaimKind::kSesDomain,     ClaimKind::kSesEmail,   ClaimKind::kLatticeDomain,
    ClaimKind::kSesDkim,       ClaimKind::kSesDkimTxt, ClaimKind::kSesMailFromMx,
    ClaimKind::kSesMailFromSpf};
inline const std::vector<ClaimKind> kSesKinds = {ClaimKind::kSesDomain, ClaimKind::kSesEmail};
inline const std::vector<ClaimStatus> kAllStatuses = {
    ClaimStatus::kPending, ClaimStatus::kVerified, ClaimStatus::kUnconfirmed, ClaimStatus::kFailed};

// A distinct, well-formed id per call ("id-" + 20 hex, or "dv-" + 17 hex).
inline std::string next_id(ClaimKind kind) {
  // One counter per program (inline), atomic: tests make claims from many
  // threads, and a torn increment gave two claims one id (a false conflict).
  static std::atomic<unsigned> n{0};
  const unsigned id = ++n;
  char buf[32];
  if (kind == ClaimKind::kLatticeDomain) {
    std::snprintf(buf, sizeof buf, "dv-%017x", id);
  } else {
    std::snprintf(buf, sizeof buf, "id-%020x", id);
  }
  return buf;
}

// A minimal claim as the services create them: pending, no optional times.
inline Claim make_claim(const Scope& scope, ClaimKind kind, const std::string& subject) {
  Claim c;
  c.id = next_id(kind);
  c.scope = scope;
  c.kind = kind;
  c.subject = subject;
  if (kind != ClaimKind::kSesEmail) {
    c.record_name = (kind == ClaimKind::kSesDomain ? "_amazonses." : "_label.") + subject;
    c.token = "token-of-" + subject;
  }
  if (kind == ClaimKind::kSesDkim) {  // one of the domain's three records
    c.record_name = core::dkim_record_name(c.id, subject);
    c.token = core::dkim_target(c.id);
  }
  if (kind == ClaimKind::kSesDkimTxt) {  // BYODKIM: a selector's TXT holding a public key
    c.record_name = core::dkim_record_name("sel-" + c.id.substr(3), subject);
    c.token = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + std::string(342, 'Q') + "IDAQAB";
  }
  c.created_at = T0;
  c.deadline = T0 + hours(72);
  return c;
}

// Every field set to something a careless mapping would lose.
inline Claim make_full_claim(const Scope& scope, ClaimKind kind, ClaimStatus status,
                             const std::string& subject) {
  Claim c = make_claim(scope, kind, subject);
  c.status = status;
  c.created_at = T0 + nanoseconds(1);
  c.deadline = T0 + hours(72) + nanoseconds(999'999'999);
  c.next_check_at = T0 + nanoseconds(17);
  c.last_verified_at = T0 - hours(5) + nanoseconds(3);
  c.absent_since = T0 + hours(1) + nanoseconds(123);
  c.attempts = 7;
  c.reject_on_mx_failure = true;
  c.dkim_tokens = {"abcdefghijklmnopqrstuvwxyz234567", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                   "cccccccccccccccccccccccccccccc77"};
  c.tags = {{"Name", "Bücher – 日本語 🚀"},
            {"ключ", "значение"},
            {"quote\"back\\slash", "line\nbreak\ttab"},
            {"empty", ""}};
  return c;
}

inline std::vector<std::string> ids_of(const std::vector<Claim>& claims) {
  std::vector<std::string> out;
  for (const auto& c : claims) out.push_back(c.id);
  return out;
}

inline std::vector<std::string> subjects_of(const std::vector<Claim>& claims) {
  std::vector<std::string> out;
  for (const auto& c : claims) out.push_back(c.subject);
  return out;
}

class StoreContractTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override {
    store_ = GetParam().open(dir_.path());
    ASSERT_NE(store_, nullptr);
  }

  Store& store() { return *store_; }

  // Inserts and returns the stored claim; fails the test on error.
  Claim insert(Claim c) {
    auto r = store_->insert_claim(std::move(c));
    EXPECT_TRUE(r.ok()) << testing::describe(r.error());
    return r.ok() ? *r : Claim{};
  }

  std::optional<Claim> get(const Scope& scope, const std::string& id) {
    auto r = store_->get_claim(scope, id);
    EXPECT_TRUE(r.ok()) << testing::describe(r.error());
    return r.ok() ? *r : std::nullopt;
  }

  std::vector<Claim> list(const Scope& scope, std::vector<ClaimKind> kinds, int64_t after = 0,
                          size_t limit = 100) {
    auto r = store_->list_claims(ListQuery{scope, std::move(kinds), after, limit});
    EXPECT_TRUE(r.ok()) << testing::describe(r.error());
    return r.ok() ? *r : std::vector<Claim>{};
  }

  size_t count(const Scope& scope, const std::vector<ClaimKind>& kinds) {
    auto r = store_->count_claims(scope, kinds);
    EXPECT_TRUE(r.ok()) << testing::describe(r.error());
    return r.ok() ? *r : 0;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

// A message as the outbox holds it, due at `at`.
inline core::Mail mail_to(const Scope& scope, const std::string& to, core::Mail::State state,
                          core::TimePoint at) {
  core::Mail m;
  m.claim_id = "c-" + to;
  m.scope = scope;
  m.from = "from@vouch.test";
  m.to = to;
  m.state = state;
  m.created_at = at;
  m.next_attempt_at = at;
  return m;
}

// Every backend the contract runs against.
std::vector<StoreBackend> contract_backends();
std::string backend_name(const ::testing::TestParamInfo<StoreBackend>& info);

}  // namespace vouch::core::contract
