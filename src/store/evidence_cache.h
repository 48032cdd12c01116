// The last evidence of recently read claims, by claim id, bounded in bytes:
// GetEmailIdentity's VerificationInfo reads it for the identity and each of
// its DKIM records on every call. Not thread-safe: CachingStore guards it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace vouch::store {

class EvidenceCache {
 public:
  // Keeps at most about `max_bytes` (keys, texts and a per-entry overhead),
  // in two generations: the young one is retired whole when it holds half.
  explicit EvidenceCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // The cached evidence (nullopt inside: the claim has none), or nullptr.
  const std::optional<std::string>* find(std::string_view id);
  void put(std::string_view id, std::optional<std::string> evidence);
  void erase(std::string_view id);
  void clear();

  size_t entries() const { return young_.size() + old_.size(); }
  size_t bytes() const { return young_bytes_ + old_bytes_; }

  // What an entry counts for: what it holds and roughly what a hash node costs.
  static size_t cost(std::string_view id, const std::optional<std::string>& evidence) {
    return id.size() + (evidence ? evidence->size() : 0) + kEntryOverhead;
  }
  static constexpr size_t kEntryOverhead = 96;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, std::optional<std::string>, Hash, std::equal_to<>>;

  const size_t max_bytes_;
  Map young_, old_;
  size_t young_bytes_ = 0, old_bytes_ = 0;
};

}  // namespace vouch::store
