// Resource tag rules, as VPC Lattice applies them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/claim.h"
#include "core/error.h"

namespace vouch::core {

inline constexpr size_t kMaxTagsPerResource = 50;
inline constexpr size_t kMaxTagKeysPerCall = 200;

// Unicode characters (code points) in valid UTF-8; -1 if not valid UTF-8.
long utf8_length(std::string_view s);

// Keys: 1-128 characters, values: 0-256, both from letters, digits, white
// space and _ . : / = + - @ (any non-ASCII character counts as a letter);
// keys must not start with "aws:". `field` names the wire member in errors
// (e.g. "tags"). kInvalidArgument with AWS's message on the first bad tag.
Status validate_tags(const Tags& tags, std::string_view field);
Status validate_tag_keys(const std::vector<std::string>& keys, std::string_view field);

// The tags a caller sees: without the settings kept under "aws:" keys.
Tags user_tags(const Tags& tags);

// TagResource: `add` over `into`, refused (and `into` unchanged) past
// kMaxTagsPerResource. Keys under "aws:" (settings kept in tags, which no
// caller may write) do not count.
Status merge_tags(Tags& into, const Tags& add, std::string_view field);

// The constraint-violation message AWS services use.
std::string constraint_message(std::string_view value, std::string_view field,
                               std::string_view rule);

}  // namespace vouch::core
