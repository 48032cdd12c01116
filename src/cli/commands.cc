#include "cli/commands.h"

#include <sys/stat.h>

#include <cstdio>

#include "cli/data_dir.h"
#include "cli/options.h"
#include "cli/root_keys.h"
#include "cli/shared_secrets.h"
#include "cli/store_copy.h"
#include "cli/store_factory.h"

namespace vouch::cli {

int fail(const std::string& message) {
  std::fprintf(stderr, "vouch: %s\n", message.c_str());
  return 2;
}

int fail_start(const core::Error& error) {
  fail(error.message);
  return error.code == core::ErrorCode::kInvalidArgument ? 2 : 1;
}

core::Result<std::unique_ptr<store::sqlite::SqliteStore>> open_data_dir_store(
    const std::string& dir, bool exclusive) {
  // The database holds secret access keys: its files (and WAL) are the
  // owner's alone, like the data directory itself.
  ::umask(077);
  if (auto s = ensure_data_dir(dir); !s.ok()) return s.error();
  if (exclusive) {
    if (auto s = lock_data_dir(dir); !s.ok()) return s.error();
  }
  return store::sqlite::SqliteStore::open(dir + "/vouch.db");
}

namespace {

// The store an account command works on: the data directory's (beside a
// running server: no lock) or, with --store, the fleet's.
core::Result<std::unique_ptr<core::Store>> open_account_store(const std::string& data_dir,
                                                              const std::string& store_url) {
  if (!store_url.empty()) return open_shared_store(store_url, 1);
  auto sqlite = open_data_dir_store(data_dir, false);
  if (!sqlite.ok()) return sqlite.error();
  return std::unique_ptr<core::Store>(std::move(*sqlite));
}

std::string where(const std::string& data_dir, const std::string& store_url) {
  return store_url.empty() ? data_dir : redact_store_url(store_url);
}

bool is_root(const AccountKeyOptions& opt, core::Store& store, const std::string& key) {
  return opt.store_url.empty() ? is_root_key(opt.data_dir, key) : is_shared_root_key(store, key);
}

// A few characters, so that an operator can tell secrets apart, never enough to use.
std::string mask(const std::string& secret) {
  return (secret.size() >= 16 ? secret.substr(0, 4) : std::string()) + "****";
}

}  // namespace

int account_add(const std::vector<std::string>& args, const char* usage) {
  auto parsed = parse_account_add(args);
  if (!parsed.ok()) return fail(parsed.error().message + "\n" + usage);
  const AccountAddOptions& opt = *parsed;
  auto store = open_account_store(opt.data_dir, opt.store_url);
  if (!store.ok()) return fail(store.error().message);
  core::Account account{opt.account_id, opt.access_key_id, opt.secret_access_key};
  if (auto s = (*store)->put_account(account); !s.ok()) return fail(one_line(s.error().message));
  std::printf("added access key %s for account %s\n", opt.access_key_id.c_str(),
              opt.account_id.c_str());
  return 0;
}

int account_remove(const std::vector<std::string>& args, const char* usage) {
  auto parsed = parse_account_remove(args);
  if (!parsed.ok()) return fail(parsed.error().message + "\n" + usage);
  const AccountKeyOptions& opt = *parsed;
  auto store = open_account_store(opt.data_dir, opt.store_url);
  if (!store.ok()) return fail(store.error().message);
  // The server puts its root back at every start: removing it would not last.
  if (is_root(opt, **store, opt.access_key_id)) {
    return fail(opt.access_key_id + " is the root access key: set VOUCH_ROOT_* to another key and "
                                    "restart the server, which removes this one");
  }
  auto deleted = (*store)->delete_account(opt.access_key_id);
  if (!deleted.ok()) return fail(one_line(deleted.error().message));
  if (!*deleted) {
    return fail("no access key " + opt.access_key_id + " in " + where(opt.data_dir, opt.store_url));
  }
  std::printf("removed access key %s (a running server refuses it within seconds)\n",
              opt.access_key_id.c_str());
  return 0;
}

int account_list(const std::vector<std::string>& args, const char* usage) {
  auto parsed = parse_account_list(args);
  if (!parsed.ok()) return fail(parsed.error().message + "\n" + usage);
  const AccountKeyOptions& opt = *parsed;
  auto store = open_account_store(opt.data_dir, opt.store_url);
  if (!store.ok()) return fail(store.error().message);
  auto accounts = (*store)->list_accounts();
  if (!accounts.ok()) return fail(one_line(accounts.error().message));
  std::printf("%-24s %-12s %s\n", "ACCESS KEY ID", "ACCOUNT ID", "SECRET");
  for (const auto& a : *accounts) {
    std::printf("%-24s %-12s %s%s\n", a.access_key_id.c_str(), a.account_id.c_str(),
                mask(a.secret_access_key).c_str(),
                is_root(opt, **store, a.access_key_id) ? "  (root)" : "");
  }
  return 0;
}

// Copies a stopped data directory into an empty shared store and verifies it.
int store_copy(const std::vector<std::string>& args, const char* usage) {
  auto parsed = parse_store_copy(args);
  if (!parsed.ok()) return fail(parsed.error().message + "\n" + usage);
  const StoreCopyOptions& opt = *parsed;
  auto from = open_copy_source(opt.from_dir);
  if (!from.ok()) return fail(from.error().message);
  auto to = open_shared_store(opt.to_url, 2);
  if (!to.ok()) return fail(to.error().message);
  const std::string target = redact_store_url(opt.to_url);
  auto counts = copy_store(opt.from_dir, **from, **to);
  if (!counts.ok())
    return fail("store copy into " + target + ": " + one_line(counts.error().message));
  std::printf("copied %s into %s, verified:\n", opt.from_dir.c_str(), target.c_str());
  std::printf("  %-20s %zu\n", "claims", counts->claims);
  std::printf("  %-20s %zu\n", "history entries", counts->history);
  std::printf("  %-20s %zu\n", "mail", counts->mail);
  std::printf("  %-20s %zu\n", "accounts", counts->accounts);
  std::printf("  %-20s %zu\n", "idempotency records", counts->idempotency);
  std::printf("  %-20s %zu\n", "settings", counts->settings);
  std::printf("start the nodes with --store %s (and no --data)\n", target.c_str());
  return 0;
}

}  // namespace vouch::cli
