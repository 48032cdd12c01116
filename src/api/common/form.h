// application/x-www-form-urlencoded decoding, as awsQuery requests use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vouch::api {

// Percent-decodes `in`; '+' is a space when `plus_is_space`. nullopt on a
// malformed escape.
std::optional<std::string> url_decode(std::string_view in, bool plus_is_space);

struct FormParams {
  std::vector<std::pair<std::string, std::string>> items;

  // The first value for `name`, or nullopt.
  const std::string* get(std::string_view name) const;
  // `prefix.member.1`, `prefix.member.2`, ... in index order, stopping at the
  // first gap. Empty when none.
  std::vector<std::string> list(std::string_view prefix) const;
};

// Decodes `a=1&b=2`. nullopt if any pair is malformed. In a form body '+' is
// a space; in a restJson1 query string SDKs send a literal '+' as %2B, but a
// bare '+' is kept as '+' (plus_is_space false).
std::optional<FormParams> parse_form(std::string_view body, bool plus_is_space = true);

}  // namespace vouch::api
