// The shared store behind --store: the one place that names the PostgreSQL
// backend, so that a build without it (VOUCH_POSTGRES unset) still links.
#pragma once

#include <memory>
#include <string>

#include "core/error.h"
#include "core/store.h"

namespace vouch::cli {

// Opens (and migrates) the database `url` names, with `connections` pooled.
// A database that does not answer is an error naming it (password hidden).
// With `identity_cache` > 0, behind an identity cache that follows every
// node's writes (store/postgres/followed_cache.h).
core::Result<std::unique_ptr<core::Store>> open_shared_store(const std::string& url,
                                                             size_t connections,
                                                             size_t identity_cache = 0);

// `url` with its password, if any, replaced by "***": for messages and logs.
// Both forms: postgres://user:pw@host/db and "... password=pw ...".
std::string redact_store_url(const std::string& url);

// An error's text on one line (libpq's span several): newlines and tabs
// become "; " and " ".
std::string one_line(std::string text);

}  // namespace vouch::cli
