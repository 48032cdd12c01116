#include "store/claim_id_cache.h"

#include <algorithm>

namespace vouch::store {

namespace {

std::string key_of(const core::Claim& c) {
  std::string key;
  key.reserve(c.scope.account_id.size() + c.scope.region.size() + c.subject.size() + 2);
  key.append(c.scope.account_id).push_back('\x1f');
  key.append(c.scope.region).push_back('\x1f');
  key.append(c.subject);
  return key;
}

}  // namespace

std::shared_ptr<const core::Claim> ClaimIdCache::find(std::string_view id) {
  if (auto it = young_.find(id); it != young_.end()) return it->second;
  auto it = old_.find(id);
  if (it == old_.end()) return nullptr;
  // Still in use: keep it past the next retirement (its index entry stays).
  auto node = old_.extract(it);
  make_room();
  return young_.insert(std::move(node)).position->second;
}

void ClaimIdCache::put(std::shared_ptr<const core::Claim> claim) {
  if (capacity_ == 0) return;
  erase(claim->id);
  make_room();
  by_key_[key_of(*claim)].push_back(claim->id);
  std::string id = claim->id;
  young_.emplace(std::move(id), std::move(claim));
}

void ClaimIdCache::make_room() {
  if (young_.size() < capacity_) return;
  for (const auto& [id, claim] : old_) unindex(*claim);
  old_ = std::move(young_);
  young_ = Map();
}

void ClaimIdCache::unindex(const core::Claim& claim) {
  auto it = by_key_.find(key_of(claim));
  if (it == by_key_.end()) return;
  auto& ids = it->second;
  ids.erase(std::remove(ids.begin(), ids.end(), claim.id), ids.end());
  if (ids.empty()) by_key_.erase(it);
}

void ClaimIdCache::erase(std::string_view id) {
  for (Map* m : {&young_, &old_}) {
    if (auto it = m->find(id); it != m->end()) {
      unindex(*it->second);
      m->erase(it);
      return;
    }
  }
}

void ClaimIdCache::erase_key(std::string_view key) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return;
  for (const auto& id : it->second) {
    if (young_.erase(id) == 0) old_.erase(id);
  }
  by_key_.erase(it);
}

void ClaimIdCache::clear() {
  young_.clear();
  old_.clear();
  by_key_.clear();
}

}  // namespace vouch::store
