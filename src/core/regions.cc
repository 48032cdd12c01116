#include "core/regions.h"

#include <array>

namespace vouch::core {
namespace {

// Signing Regions only: "aws-global" is an endpoint alias that signs as us-east-1.
constexpr std::array<std::string_view, 36> kAwsRegions = {
    "af-south-1",     "ap-east-1",      "ap-east-2",      "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-south-1",     "ap-south-2",     "ap-southeast-1", "ap-southeast-2",
    "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
    "ca-central-1",   "ca-west-1",      "eu-central-1",   "eu-central-2",   "eu-north-1",
    "eu-south-1",     "eu-south-2",     "eu-west-1",      "eu-west-2",      "eu-west-3",
    "il-central-1",   "me-central-1",   "me-south-1",     "me-west-1",      "mx-central-1",
    "sa-east-1",      "sa-west-1",      "us-east-1",      "us-east-2",      "us-west-1",
    "us-west-2"};

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

std::span<const std::string_view> aws_regions() { return kAwsRegions; }

bool valid_region_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxRegionName) return false;
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  for (char c : name) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}

RegionList::RegionList() : names_(kAwsRegions.begin(), kAwsRegions.end()) {}

RegionList::RegionList(const std::vector<std::string>& names)
    : names_(names.begin(), names.end()) {}

void RegionList::add(std::string name) { names_.insert(std::move(name)); }

}  // namespace vouch::core
