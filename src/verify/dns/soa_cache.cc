#include "verify/dns/soa_cache.h"

#include <algorithm>

namespace vouch::verify::dns {

namespace {

// Labels a name can have (253 characters): bounds the walk up its ancestors.
constexpr int kMaxLabels = 128;

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view without_root_dot(std::string_view n) {
  if (!n.empty() && n.back() == '.') n.remove_suffix(1);
  return n;
}

// Whether `name` lies strictly below `zone` ("" is the root).
bool below(std::string_view name, std::string_view zone) {
  if (zone.empty()) return !name.empty();
  if (name.size() <= zone.size() + 1 || name[name.size() - zone.size() - 1] != '.') return false;
  return std::equal(zone.begin(), zone.end(), name.end() - static_cast<std::ptrdiff_t>(zone.size()),
                    [](char a, char b) { return lower(a) == lower(b); });
}

}  // namespace

size_t SoaCache::Hash::operator()(std::string_view s) const {
  size_t h = 14695981039346656037ull;  // FNV-1a over the lower-cased bytes
  for (char c : s) h = (h ^ static_cast<unsigned char>(lower(c))) * 1099511628211ull;
  return h;
}

bool SoaCache::Equal::operator()(std::string_view a, std::string_view b) const {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

SoaCache::SoaCache(size_t perspectives, std::chrono::seconds max_age, size_t max_entries, Now now)
    : max_age_(max_age),
      max_entries_(std::max<size_t>(max_entries, 1)),
      now_(std::move(now)),
      zones_(perspectives) {}

void SoaCache::put(size_t perspective, const std::string& asked, const SoaRecord& r) {
  const auto age = std::min<std::chrono::nanoseconds>(std::chrono::seconds(r.ttl), max_age_);
  if (age <= std::chrono::nanoseconds::zero() || perspective >= zones_.size()) return;
  const std::string_view zone = without_root_dot(r.zone);
  const std::string_view name = without_root_dot(asked);
  // Out of bailiwick: an SOA for a zone that does not hold the name asked
  // about says nothing of it, and would let one zone's answers speak for
  // another's names (a resolver drops such records; this does not rely on it).
  const bool at_apex = Equal{}(name, zone);
  if (!at_apex && !below(name, zone)) return;
  const auto now = now_();
  const bool holds = !r.in_answer && !at_apex;
  Zones& zones = zones_[perspective];
  auto it = zones.find(zone);
  if (it == zones.end()) {
    it = zones.emplace(std::string(zone), Entry{}).first;
    ++size_;
  } else {
    // What an entry still alive knew stays known.
    it->second.holds_names = it->second.holds_names && it->second.expires > now;
  }
  Entry& e = it->second;
  e.soa = r.soa;
  e.expires = now + age;
  e.holds_names = e.holds_names || holds;
  e.seq = ++seq_;
  order_.push_back(Put{perspective, it->first, e.seq});
  while (size_ > max_entries_) evict_oldest();
  // Refreshed entries leave stale puts behind: keep the queue within bounds.
  if (order_.size() > 2 * max_entries_ + 64) {
    std::erase_if(order_, [this](const Put& p) {
      auto at = zones_[p.perspective].find(p.zone);
      return at == zones_[p.perspective].end() || at->second.seq != p.seq;
    });
  }
}

void SoaCache::evict_oldest() {
  while (!order_.empty()) {
    Put p = std::move(order_.front());
    order_.pop_front();
    Zones& zones = zones_[p.perspective];
    auto it = zones.find(p.zone);
    if (it != zones.end() && it->second.seq == p.seq) {
      zones.erase(it);
      --size_;
      return;
    }
  }
}

std::optional<core::Soa> SoaCache::find(size_t perspective, std::string_view name) const {
  if (perspective >= zones_.size() || zones_[perspective].empty()) return std::nullopt;
  const Zones& zones = zones_[perspective];
  const auto now = now_();
  std::string_view n = without_root_dot(name);
  for (int depth = 0; depth < kMaxLabels; ++depth) {
    if (auto it = zones.find(n); it != zones.end()) {
      // The nearest zone known decides, even an expired one: it marks a cut
      // that a zone further up must not be taken across.
      const Entry& e = it->second;
      if (e.expires > now && (depth == 0 || e.holds_names)) return e.soa;
      return std::nullopt;
    }
    const size_t dot = n.find('.');
    if (dot == std::string_view::npos) break;
    n.remove_prefix(dot + 1);
  }
  return std::nullopt;
}

}  // namespace vouch::verify::dns
