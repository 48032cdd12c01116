// The Regions a request may be scoped to: AWS's public partition, built in,
// plus any an operator names. Each Region carries per-Region state (rate
// limits, quotas), so free-form names would let a caller mint fresh state.
#pragma once

#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vouch::core {

// The `aws` partition's Regions (AWS SDK partition data, 2026).
std::span<const std::string_view> aws_regions();

inline constexpr size_t kMaxRegionName = 64;

// [a-z0-9-], 1 to kMaxRegionName characters, starting and ending alphanumeric.
bool valid_region_name(std::string_view name);

class RegionList {
 public:
  RegionList();  // aws_regions()
  // Exactly `names` (the caller has checked them with valid_region_name).
  explicit RegionList(const std::vector<std::string>& names);

  void add(std::string name);
  bool contains(std::string_view region) const { return names_.find(region) != names_.end(); }
  size_t size() const { return names_.size(); }

 private:
  std::set<std::string, std::less<>> names_;
};

}  // namespace vouch::core
