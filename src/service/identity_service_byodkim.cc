// Bring-your-own-DKIM for SES v2 domains: the domain's one DKIM record is a
// TXT at <selector>._domainkey.<domain> holding the public key of the
// caller's private key, checked by a claim of kind kSesDkimTxt. Switching to
// Easy DKIM and back replaces one kind of record claims by the other.
#include <algorithm>
#include <unordered_map>

#include "core/identity.h"
#include "core/status_machine.h"
#include "core/tokens.h"
#include "service/byodkim.h"
#include "service/identity_service.h"
#include "service/record_claim.h"
#include "service/update_with_retry.h"

namespace vouch::service {

using core::Claim;
using core::ClaimKind;
using core::ClaimStatus;
using core::ErrorCode;
using core::Result;
using core::Scope;

core::Status IdentityService::ensure_byodkim_claim(const Claim& domain) {
  if (!is_byodkim(domain.tags) || domain.dkim_tokens.size() != 1) return {};
  const std::string name = core::dkim_record_name(domain.dkim_tokens[0], domain.subject);
  const std::string key = domain.tags.at(std::string(kDkimPublicKeyTag));
  auto existing = store_.find_claims(domain.scope, ClaimKind::kSesDkimTxt, {domain.subject});
  if (!existing.ok()) return existing.error();
  const auto now = clock_.now();
  bool have = false;
  for (const auto& c : *existing) {
    if (have || c.record_name != name || c.token != key) {
      // Another selector or key (or a twin from a concurrent call): not looked for any more.
      if (auto d = store_.delete_claim(domain.scope, c.id); !d.ok()) return d.error();
      continue;
    }
    have = true;
    if (auto s = reopen_record_claim(store_, c, now); !s.ok()) return s;
  }
  if (have) return {};
  return insert_record_claim(store_, random_, domain, ClaimKind::kSesDkimTxt, name, key, now);
}

Result<std::vector<Claim>> IdentityService::find_dkim_records(
    const Scope& scope, const std::vector<const Claim*>& domains) {
  std::vector<std::string> easy, byo;
  std::unordered_map<std::string, const core::Tags*> tags;
  for (const Claim* d : domains) {
    if (d->dkim_tokens.empty()) continue;
    (is_byodkim(d->tags) ? byo : easy).push_back(d->subject);
    tags.emplace(d->subject, &d->tags);
  }
  std::vector<Claim> out;
  for (const auto& [kind, subjects] :
       {std::pair{ClaimKind::kSesDkim, &easy}, std::pair{ClaimKind::kSesDkimTxt, &byo}}) {
    if (subjects->empty()) continue;
    auto found = store_.find_claims(scope, kind, *subjects);
    if (!found.ok()) return found.error();
    for (auto& r : *found) {
      auto t = tags.find(r.subject);
      if (t != tags.end() && current_dkim_record(*t->second, r)) out.push_back(std::move(r));
    }
  }
  return out;
}

Result<DkimView> IdentityService::put_dkim_signing_attributes(const Scope& scope,
                                                              const std::string& identity,
                                                              DkimSigningRequest req) {
  if (auto s = limiter_.admit(scope, "PutEmailIdentityDkimSigningAttributes"); !s.ok())
    return s.error();
  auto subject = core::normalize_identity(identity);
  if (!subject.ok() || core::looks_like_email(*subject))
    return core::invalid_argument("The EmailIdentity value must be a valid domain.");
  auto found = store_.find_identity(scope, *subject);
  if (!found.ok()) return found.error();
  if (!*found) return core::not_found("Email identity " + identity + " does not exist.", identity);
  std::optional<ByoDkimKey> key;
  if (req.external) {
    if (!req.byodkim)
      return core::invalid_argument(
          "SigningAttributes with DomainSigningSelector and DomainSigningPrivateKey are "
          "required when SigningAttributesOrigin is EXTERNAL.");
    auto read = read_byodkim(*req.byodkim, *subject);
    if (!read.ok()) return read.error();
    key = std::move(*read);
  } else if (req.key_bits && *req.key_bits != 1024 && *req.key_bits != 2048) {
    return core::invalid_argument("Invalid DKIM key length.", "NextSigningKeyLength");
  }
  const std::string bits_tag(kDkimKeyBitsTag);
  auto updated = update_with_retry(store_, std::move(**found), [&](Claim& c) {
    if (key) {
      if (is_byodkim(c.tags) && c.dkim_tokens == std::vector<std::string>{key->selector} &&
          c.tags[std::string(kDkimPublicKeyTag)] == key->public_key)
        return false;
      set_byodkim(c, *key);
      return true;
    }
    // Easy DKIM: new tokens when it starts or its key length changes, as AWS.
    const int bits = req.key_bits.value_or(c.tags.count(bits_tag) ? 1024 : 2048);
    const bool same_bits = bits == (c.tags.count(bits_tag) ? 1024 : 2048);
    if (!is_byodkim(c.tags) && !c.dkim_tokens.empty() && same_bits) return false;
    clear_byodkim(c);
    c.dkim_tokens = core::new_dkim_tokens(random_);
    if (bits == 1024) c.tags[bits_tag] = "1024";
    else c.tags.erase(bits_tag);
    return true;
  });
  if (!updated.ok()) return updated.error();
  // The other origin's records first: a crash in between leaves what a retry finishes.
  const bool byo = is_byodkim(updated->tags);
  const ClaimKind other = byo ? ClaimKind::kSesDkim : ClaimKind::kSesDkimTxt;
  if (auto s = delete_dkim_claims(scope, updated->subject, other); !s.ok()) return s.error();
  if (byo) {
    if (auto s = ensure_byodkim_claim(*updated); !s.ok()) return s.error();
  } else {
    // Easy DKIM's claims of older tokens go, then the current ones are made.
    auto old = store_.find_claims(scope, ClaimKind::kSesDkim, {updated->subject});
    if (!old.ok()) return old.error();
    for (const auto& c : *old) {
      if (std::any_of(updated->dkim_tokens.begin(), updated->dkim_tokens.end(),
                      [&](const std::string& t) {
                        return core::dkim_record_name(t, updated->subject) == c.record_name;
                      }))
        continue;
      if (auto d = store_.delete_claim(scope, c.id); !d.ok()) return d.error();
    }
    if (auto s = ensure_dkim_claims(*updated); !s.ok()) return s.error();
  }
  auto records = find_dkim_records(scope, {&*updated});
  if (!records.ok()) return records.error();
  std::unordered_map<std::string, ClaimStatus> by_name;
  for (const auto& r : *records) by_name.emplace(r.record_name, r.status);
  return dkim_view(*updated, by_name);
}

}  // namespace vouch::service
