// Recently read claims by id: get_claim() answers VPC Lattice's
// GetDomainVerification (and check-now, the admin's claim page) on every
// call. Two generations of at most `capacity` entries each, and an index by
// the identity cache's key (account \x1f region \x1f subject), since a change
// heard from another node names only that. Not thread-safe: CachingStore
// guards it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/claim.h"

namespace vouch::store {

class ClaimIdCache {
 public:
  explicit ClaimIdCache(size_t capacity) : capacity_(capacity) {}

  // The cached claim, or nullptr.
  std::shared_ptr<const core::Claim> find(std::string_view id);
  void put(std::shared_ptr<const core::Claim> claim);
  void erase(std::string_view id);
  // Every claim of that key, whatever its kind.
  void erase_key(std::string_view key);
  void clear();

  size_t entries() const { return young_.size() + old_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map =
      std::unordered_map<std::string, std::shared_ptr<const core::Claim>, Hash, std::equal_to<>>;

  // Retires the old generation (and its index entries) when the young is full.
  void make_room();
  void unindex(const core::Claim& claim);

  const size_t capacity_;
  Map young_, old_;  // each id in at most one of them
  std::unordered_map<std::string, std::vector<std::string>, Hash, std::equal_to<>> by_key_;
};

}  // namespace vouch::store
