// The web console's files (ui/ in the repository), embedded in the binary at
// build time by cmake/embed_files.cmake.
#pragma once

#include <span>
#include <string_view>

namespace vouch::api::ui {

struct UiFile {
  std::string_view path;  // relative to ui/, e.g. "index.html", "js/app.js"
  std::string_view content_type;
  std::string_view body;
  std::string_view etag;  // quoted, from the file's SHA-256
};

std::span<const UiFile> ui_files();

}  // namespace vouch::api::ui
