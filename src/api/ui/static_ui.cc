#include "api/ui/static_ui.h"

#include "api/common/json.h"
#include "api/ui/ui_files.h"

namespace vouch::api::ui {

namespace {

// Only the console's own files: no inline script or style, no framing, no
// other origin; a claim name shown by the page can never run as code.
constexpr std::string_view kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void secure(http::Response& r) {
  r.headers.push_back({"Content-Security-Policy", std::string(kCsp)});
  r.headers.push_back({"X-Content-Type-Options", "nosniff"});
  r.headers.push_back({"X-Frame-Options", "DENY"});
  r.headers.push_back({"Referrer-Policy", "no-referrer"});
}

const UiFile* find(std::string_view rel) {
  for (const auto& f : ui_files()) {
    if (f.path == rel) return &f;
  }
  return nullptr;
}

}  // namespace

bool owns(std::string_view path) {
  return path == kUiRoot.substr(0, kUiRoot.size() - 1) || path.rfind(kUiRoot, 0) == 0;
}

http::Response serve(const http::Request& req) {
  http::Response r;
  if (req.method != "GET" && req.method != "HEAD") {
    r = json_error(405, "MethodNotAllowed", "Use GET.");
  } else if (req.path().size() < kUiRoot.size()) {  // "/_vouch/ui": relative links need the slash
    r = http::Response{301, "", {{"Location", std::string(kUiRoot)}}, ""};
  } else {
    std::string_view rel = req.path().substr(kUiRoot.size());
    if (rel.empty()) rel = "index.html";
    const UiFile* f = find(rel);
    if (!f) {
      r = json_error(404, "NotFoundException", "No such file in the console.");
    } else {
      const std::string* seen = req.header("If-None-Match");
      const bool fresh = seen && *seen == f->etag;
      r = http::Response{fresh ? 304 : 200,
                         fresh ? "" : std::string(f->content_type),
                         {},
                         fresh ? "" : std::string(f->body)};
      r.headers.push_back({"ETag", std::string(f->etag)});
      // Revalidated on every load: a new vouch serves its new console at once.
      r.headers.push_back({"Cache-Control", "no-cache"});
    }
  }
  secure(r);
  return r;
}

}  // namespace vouch::api::ui
