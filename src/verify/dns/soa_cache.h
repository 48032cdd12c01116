// The SOA each perspective saw per zone, so that a check after a positive
// answer need not ask for its zone's SOA again (SES v2's
// VerificationInfo.SOARecord). Keyed by perspective and zone apex (the SOA
// record's owner); an entry lives min(the record's TTL, `max_age`).
//
// A name is taken to be in the nearest cached zone above it, but only in a
// zone known to hold names directly: one whose SOA came in the authority
// section of an answer about a name below its apex (that name, then, sits in
// the zone with no cut between). A zone seen only at its apex is used for
// its apex alone. What stays approximate: a delegated child zone not cached
// yet, under a parent known to hold names, shows the parent's SOA while the
// parent's entry lives (docs/DNS.md).
//
// Not thread-safe: the resolver's event loop alone uses it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/evidence.h"
#include "verify/dns/soa_reply.h"

namespace vouch::verify::dns {

class SoaCache {
 public:
  // Monotonic time since any fixed point (steady_clock's, or test mode's clock).
  using Now = std::function<std::chrono::nanoseconds()>;
  static constexpr size_t kDefaultEntries = 65536;

  // `max_age` 0: nothing is kept.
  SoaCache(size_t perspectives, std::chrono::seconds max_age, size_t max_entries, Now now);

  // Remembers `r`, learnt from an answer about `asked` at `perspective`.
  void put(size_t perspective, const std::string& asked, const SoaRecord& r);
  // The SOA of the zone `name` is in, as cached for `perspective`.
  std::optional<core::Soa> find(size_t perspective, std::string_view name) const;
  size_t size() const { return size_; }

 private:
  struct Entry {
    core::Soa soa;
    std::chrono::nanoseconds expires;
    bool holds_names = false;  // learnt about a name below the apex
    uint64_t seq = 0;          // the put that wrote it (for eviction's order)
  };
  // DNS names compare without regard to ASCII case.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
  };
  struct Equal {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const;
  };
  using Zones = std::unordered_map<std::string, Entry, Hash, Equal>;
  struct Put {
    size_t perspective;
    std::string zone;
    uint64_t seq;
  };
  void evict_oldest();

  std::chrono::nanoseconds max_age_;
  size_t max_entries_;
  Now now_;
  std::vector<Zones> zones_;  // per perspective
  std::deque<Put> order_;     // puts, oldest first; stale ones skipped
  uint64_t seq_ = 0;
  size_t size_ = 0;
};

}  // namespace vouch::verify::dns
