#include "api/common/escape.h"

#include <array>

namespace vouch::api {

namespace {

// Characters that append_escaped must replace: & < > " ' and controls.
constexpr auto kNeedsEscape = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = c != '\t' && c != '\n' && c != '\r';
  for (unsigned char c : std::string_view("&<>\"'")) t[c] = true;
  return t;
}();

}  // namespace

void append_escaped(std::string& out, std::string_view text) {
  size_t done = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!kNeedsEscape[static_cast<unsigned char>(c)]) continue;
    const char* sub = "&#xFFFD;";  // control characters are not allowed in XML 1.0
    switch (c) {
      case '&': sub = "&amp;"; break;
      case '<': sub = "&lt;"; break;
      case '>': sub = "&gt;"; break;
      case '"': sub = "&quot;"; break;
      case '\'': sub = "&apos;"; break;
    }
    out.append(text.substr(done, i - done)).append(sub);  // clean runs are copied whole
    done = i + 1;
  }
  out.append(text.substr(done));
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_escaped(out, text);
  return out;
}

}  // namespace vouch::api
