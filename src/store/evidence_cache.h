// The last evidence of recently read claims, by claim id, bounded in bytes:
// GetEmailIdentity's VerificationInfo reads it for the identity and each of
// its DKIM records on every call, decoded (decoding the text cost more than
// the rest of the request). Not thread-safe: CachingStore guards it.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/evidence.h"

namespace vouch::store {

class EvidenceCache {
 public:
  struct Entry {
    std::optional<std::string> text;                // nullopt: the claim has none
    std::shared_ptr<const core::Evidence> decoded;  // nullptr: none, or not DNS evidence
  };

  // Keeps at most about `max_bytes` (keys, texts and a per-entry overhead),
  // in two generations: the young one is retired whole when it holds half.
  explicit EvidenceCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // The cached entry, or nullptr.
  const Entry* find(std::string_view id);
  void put(std::string_view id, Entry entry);
  void erase(std::string_view id);
  void clear();

  size_t entries() const { return young_.size() + old_.size(); }
  size_t bytes() const { return young_bytes_ + old_bytes_; }

  // What an entry counts for: its text twice (the decoded copy taken as
  // about as big) and roughly what a hash node costs.
  static size_t cost(std::string_view id, const std::optional<std::string>& text) {
    return id.size() + (text ? 2 * text->size() : 0) + kEntryOverhead;
  }
  static constexpr size_t kEntryOverhead = 96;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, Entry, Hash, std::equal_to<>>;

  const size_t max_bytes_;
  Map young_, old_;
  size_t young_bytes_ = 0, old_bytes_ = 0;
};

}  // namespace vouch::store
