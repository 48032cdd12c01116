#include "cli/store_factory.h"

#include <algorithm>

#ifdef VOUCH_POSTGRES
#include "store/postgres/followed_cache.h"
#include "store/postgres/postgres_store.h"
#endif

namespace vouch::cli {

core::Result<std::unique_ptr<core::Store>> open_shared_store(const std::string& url,
                                                             size_t connections,
                                                             size_t identity_cache) {
#ifdef VOUCH_POSTGRES
  auto pg = store::postgres::PostgresStore::open(url, connections);
  if (!pg.ok()) {
    core::Error e = pg.error();
    e.message = "cannot open the store " + redact_store_url(url) + ": " + one_line(e.message);
    return e;
  }
  if (identity_cache > 0) {
    return std::unique_ptr<core::Store>(
        std::make_unique<store::postgres::FollowedCache>(std::move(*pg), url, identity_cache));
  }
  return std::unique_ptr<core::Store>(std::move(*pg));
#else
  (void)connections;
  (void)identity_cache;
  return core::Error{core::ErrorCode::kUnavailable,
                     "cannot open the store " + redact_store_url(url) +
                         ": this build of vouch has no PostgreSQL support",
                     {},
                     {}};
#endif
}

std::string redact_store_url(const std::string& url) {
  std::string out = url;
  const auto scheme = out.find("://");
  if (scheme != std::string::npos) {
    // userinfo ends at the last '@' before the path; its password after the first ':'.
    const size_t start = scheme + 3;
    const size_t path = std::min(out.find('/', start), out.find('?', start));
    const size_t at = out.rfind('@', path == std::string::npos ? out.size() : path);
    if (at != std::string::npos && at >= start) {
      const size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // The keyword form, and a URI's ?password=.
  for (const char* key : {"password=", "password ="}) {
    size_t p = 0;
    while ((p = out.find(key, p)) != std::string::npos) {
      const size_t value = p + std::string(key).size();
      size_t end = value;
      if (end < out.size() && out[end] == '\'') {
        end = out.find('\'', end + 1);
        end = end == std::string::npos ? out.size() : end + 1;
      } else {
        while (end < out.size() && out[end] != ' ' && out[end] != '&') ++end;
      }
      out.replace(value, end - value, "***");
      p = value + 3;
    }
  }
  return out;
}

std::string one_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::string out;
  out.reserve(text.size());
  bool line_start = false;
  for (char c : text) {
    if (c == '\n') {
      out += "; ";
      line_start = true;
    } else if (c == '\t' || c == '\r' || c == ' ') {
      if (!line_start) out += ' ';
    } else {
      out += c;
      line_start = false;
    }
  }
  return out;
}

}  // namespace vouch::cli
