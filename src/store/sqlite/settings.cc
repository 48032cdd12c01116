// Settings and the health probe of SqliteStore.
#include "store/sqlite/sqlite_store.h"

namespace vouch::store::sqlite {

using core::Result;

core::Status SqliteStore::ping() {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare("SELECT 1");
  if (s.step() != SQLITE_ROW) return (*r).error("ping");
  return {};
}

Result<std::optional<std::string>> SqliteStore::get_setting(const std::string& name) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare("SELECT value FROM settings WHERE name = ?1");
  s.bind(1, name);
  const int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return (*r).error("read setting");
  return std::optional<std::string>(s.text_at(0));
}

core::Status SqliteStore::put_setting(const std::string& name, const std::string& value) {
  return writer_->run([&](Conn& c) -> core::Status {
    Stmt s = c.prepare("INSERT OR REPLACE INTO settings (name, value) VALUES (?1, ?2)");
    s.bind(1, name).bind(2, value);
    if (s.step() != SQLITE_DONE) return c.error("write setting");
    return {};
  });
}

Result<std::string> SqliteStore::put_setting_if_absent(const std::string& name,
                                                       const std::string& value) {
  std::string stored;
  auto st = writer_->run([&](Conn& c) -> core::Status {
    Stmt put = c.prepare("INSERT OR IGNORE INTO settings (name, value) VALUES (?1, ?2)");
    put.bind(1, name).bind(2, value);
    if (put.step() != SQLITE_DONE) return c.error("write setting");
    Stmt get = c.prepare("SELECT value FROM settings WHERE name = ?1");
    get.bind(1, name);
    if (get.step() != SQLITE_ROW) return c.error("read setting");
    stored = get.text_at(0);
    return {};
  });
  if (!st.ok()) return st.error();
  return stored;
}

}  // namespace vouch::store::sqlite
