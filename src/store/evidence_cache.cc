#include "store/evidence_cache.h"

namespace vouch::store {

const EvidenceCache::Entry* EvidenceCache::find(std::string_view id) {
  if (auto it = young_.find(id); it != young_.end()) return &it->second;
  auto it = old_.find(id);
  if (it == old_.end()) return nullptr;
  // Still in use: keep it past the next retirement.
  auto entry = std::move(it->second);
  old_bytes_ -= cost(id, entry.text);
  const std::string key = it->first;
  old_.erase(it);
  put(key, std::move(entry));
  auto moved = young_.find(key);
  return moved == young_.end() ? nullptr : &moved->second;
}

void EvidenceCache::put(std::string_view id, Entry entry) {
  const size_t c = cost(id, entry.text);
  if (c > max_bytes_ / 2) return;  // too big to keep; also max_bytes_ 0: off
  erase(id);
  if (young_bytes_ + c > max_bytes_ / 2) {
    old_ = std::move(young_);
    old_bytes_ = young_bytes_;
    young_ = Map();
    young_bytes_ = 0;
  }
  young_.emplace(std::string(id), std::move(entry));
  young_bytes_ += c;
}

void EvidenceCache::erase(std::string_view id) {
  if (auto it = young_.find(id); it != young_.end()) {
    young_bytes_ -= cost(id, it->second.text);
    young_.erase(it);
  }
  if (auto it = old_.find(id); it != old_.end()) {
    old_bytes_ -= cost(id, it->second.text);
    old_.erase(it);
  }
}

void EvidenceCache::clear() {
  young_.clear();
  old_.clear();
  young_bytes_ = old_bytes_ = 0;
}

}  // namespace vouch::store
