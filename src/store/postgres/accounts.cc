// Accounts and settings: small tables every node reads.
#include "store/postgres/postgres_store.h"

namespace vouch::store::postgres {

using core::Result;

namespace {

constexpr Query kPutAccount{
    "put_account",
    "INSERT INTO accounts (access_key_id, account_id, secret_access_key) VALUES ($1, $2, $3) "
    "ON CONFLICT (access_key_id) DO UPDATE SET account_id = EXCLUDED.account_id, "
    "secret_access_key = EXCLUDED.secret_access_key"};
constexpr Query kFindAccount{
    "find_account", "SELECT account_id, secret_access_key FROM accounts WHERE access_key_id = $1"};
constexpr Query kDeleteAccount{"delete_account", "DELETE FROM accounts WHERE access_key_id = $1"};
// COLLATE "C": the order SQLite gives (bytes), whatever the database's locale.
constexpr Query kListAccounts{"list_accounts",
                              "SELECT account_id, access_key_id, secret_access_key FROM accounts "
                              "ORDER BY access_key_id COLLATE \"C\""};
constexpr Query kGetSetting{"get_setting", "SELECT value FROM settings WHERE name = $1"};
constexpr Query kPutSetting{"put_setting",
                            "INSERT INTO settings (name, value) VALUES ($1, $2) "
                            "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value"};
constexpr Query kAddSetting{"add_setting", "INSERT INTO settings (name, value) VALUES ($1, $2) "
                                           "ON CONFLICT (name) DO NOTHING RETURNING value"};

}  // namespace

core::Status PostgresStore::put_account(const core::Account& a) {
  auto r = run(kPutAccount, {a.access_key_id, a.account_id, a.secret_access_key});
  if (!r.ok()) return r.error();
  return {};
}

Result<std::optional<core::Account>> PostgresStore::find_account(const std::string& key_id) {
  auto r = run(kFindAccount, {key_id});
  if (!r.ok()) return r.error();
  if (r->rows() == 0) return std::optional<core::Account>();
  return std::optional<core::Account>(core::Account{r->text_at(0, 0), key_id, r->text_at(0, 1)});
}

Result<bool> PostgresStore::delete_account(const std::string& key_id) {
  auto r = run(kDeleteAccount, {key_id});
  if (!r.ok()) return r.error();
  return r->affected() > 0;
}

Result<std::vector<core::Account>> PostgresStore::list_accounts() {
  auto r = run(kListAccounts);
  if (!r.ok()) return r.error();
  std::vector<core::Account> out;
  for (int i = 0; i < r->rows(); ++i) {
    out.push_back({r->text_at(i, 0), r->text_at(i, 1), r->text_at(i, 2)});
  }
  return out;
}

Result<std::optional<std::string>> PostgresStore::get_setting(const std::string& name) {
  auto r = run(kGetSetting, {name});
  if (!r.ok()) return r.error();
  if (r->rows() == 0) return std::optional<std::string>();
  return std::optional<std::string>(r->text_at(0, 0));
}

core::Status PostgresStore::put_setting(const std::string& name, const std::string& value) {
  auto r = run(kPutSetting, {name, value});
  if (!r.ok()) return r.error();
  return {};
}

Result<std::string> PostgresStore::put_setting_if_absent(const std::string& name,
                                                         const std::string& value) {
  auto added = run(kAddSetting, {name, value});
  if (!added.ok()) return added.error();
  if (added->rows() == 1) return value;
  // Another writer's value, committed before our insert gave way (a new
  // statement sees it; the insert's own snapshot might not have).
  auto r = run(kGetSetting, {name});
  if (!r.ok()) return r.error();
  if (r->rows() == 0) return core::internal_error("setting vanished: " + name);
  return r->text_at(0, 0);
}

}  // namespace vouch::store::postgres
