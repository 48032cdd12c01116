// Escaping text for XML (awsQuery responses) and HTML (the mail pages): the
// same five characters, and control characters, which XML 1.0 forbids.
#pragma once

#include <string>
#include <string_view>

namespace vouch::api {

std::string xml_escape(std::string_view text);
// Appends `text`, escaped, to `out`.
void append_escaped(std::string& out, std::string_view text);

}  // namespace vouch::api
