// The rules of Store::create_claim_once, written once for every backend:
// a client token seen within its window replays (or mismatches), a live
// claim with the subject refuses, a full quota refuses. The backend supplies
// the three reads, each inside the create's transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/store.h"

namespace vouch::store {

struct StoredToken {
  std::string request_hash;
  std::string response;
  core::TimePoint created_at{};
};

// find_token() -> Result<optional<StoredToken>>: the scope's record of
//   key->client_token (called only with a key);
// find_live() -> Result<optional<string>>: the id of a non-failed claim of the
//   claim's kind and subject (only with one_live_per_subject);
// find_identity() -> Result<optional<Claim>>: the scope's SES identity with
//   the claim's subject (only with existing_identity);
// count(kinds) -> Result<size_t>: the scope's claims of those kinds (only
//   with a quota).
// Sets out.outcome, and out.response, out.existing_id or out.claim when
// they apply.
template <typename FindToken, typename FindLive, typename FindIdentity, typename Count>
core::Status check_create_rules(const core::Claim& claim,
                                const std::optional<core::IdempotencyKey>& key,
                                const core::CreateRules& rules, core::CreateResult& out,
                                FindToken&& find_token, FindLive&& find_live,
                                FindIdentity&& find_identity, Count&& count) {
  if (key) {
    core::Result<std::optional<StoredToken>> token = find_token();
    if (!token.ok()) return token.error();
    if (*token && (*token)->created_at + rules.token_window > rules.now) {
      out.outcome = (*token)->request_hash == key->request_hash
                        ? core::CreateOutcome::kReplayed
                        : core::CreateOutcome::kTokenMismatch;
      out.response = (*token)->response;
      return {};
    }
  }
  if (rules.one_live_per_subject) {
    core::Result<std::optional<std::string>> live = find_live();
    if (!live.ok()) return live.error();
    if (*live) {
      out.outcome = core::CreateOutcome::kLiveDuplicate;
      out.existing_id = **live;
      return {};
    }
  }
  if (rules.existing_identity) {
    core::Result<std::optional<core::Claim>> found = find_identity();
    if (!found.ok()) return found.error();
    if (*found) {
      out.outcome = core::CreateOutcome::kExisting;
      out.claim = std::move(**found);
      return {};
    }
  }
  if (rules.quota > 0) {
    const std::vector<core::ClaimKind> kinds = rules.quota_kinds.empty()
                                                   ? std::vector<core::ClaimKind>{claim.kind}
                                                   : rules.quota_kinds;
    core::Result<size_t> n = count(kinds);
    if (!n.ok()) return n.error();
    if (*n >= rules.quota) {
      out.outcome = core::CreateOutcome::kQuotaExceeded;
      return {};
    }
  }
  out.outcome = core::CreateOutcome::kCreated;
  return {};
}

}  // namespace vouch::store
