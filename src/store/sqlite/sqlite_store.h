// The embedded default Store: one SQLite file in WAL mode. Writes go through
// one group-commit writer; reads use a pool of connections and run in parallel.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/store.h"
#include "store/sqlite/db.h"
#include "store/sqlite/group_commit.h"

namespace vouch::store::sqlite {

class SqliteStore final : public core::Store {
 public:
  // Opens or creates `path` and brings its schema to the current version.
  static core::Result<std::unique_ptr<SqliteStore>> open(const std::string& path);
  ~SqliteStore() override;

  std::string name() const override { return "sqlite"; }
  core::Status ping() override;
  core::Result<core::Snapshot> snapshot() override;
  core::Status restore(const core::Snapshot& snapshot) override;
  core::Result<std::optional<core::Claim>> get_claim(const core::Scope& scope,
                                                     const std::string& id) override;
  core::Result<std::optional<core::Claim>> find_identity(const core::Scope& scope,
                                                         const std::string& subject) override;
  core::Result<std::vector<core::Claim>> find_identities(
      const core::Scope& scope, const std::vector<std::string>& subjects) override;
  core::Result<std::vector<core::Claim>> find_claims(
      const core::Scope& scope, core::ClaimKind kind,
      const std::vector<std::string>& subjects) override;
  core::Result<std::vector<core::Claim>> list_claims(const core::ListQuery& q) override;
  core::Result<std::vector<core::Claim>> search_claims(const core::ClaimSearch& q) override;
  core::Result<size_t> count_claims(const core::Scope& scope,
                                    const std::vector<core::ClaimKind>& kinds) override;
  core::Result<core::Claim> insert_claim(core::Claim claim) override;
  core::Result<core::CreateResult> create_claim_once(core::Claim claim,
                                                     const std::optional<core::IdempotencyKey>& key,
                                                     const core::CreateRules& rules) override;
  core::Result<core::Claim> update_claim(core::Claim claim) override;
  core::Result<core::Claim> record_check(core::Claim claim, const std::string& evidence,
                                         std::optional<core::StatusChange> change) override;
  std::vector<core::Result<core::Claim>> record_checks(
      std::vector<core::CheckRecord> records) override;
  core::Result<std::optional<std::string>> last_evidence(const std::string& claim_id) override;
  core::Result<std::vector<core::StatusChange>> history(const std::string& claim_id) override;
  core::Result<bool> delete_claim(const core::Scope& scope, const std::string& id) override;
  core::Result<std::vector<core::Claim>> due_claims(core::TimePoint now, size_t limit) override;
  core::Result<std::vector<core::Claim>> due_claims_after(core::TimePoint now,
                                                          const DueCursor& after,
                                                          size_t limit) override;
  core::Result<DueCount> count_due_claims(core::TimePoint now, size_t cap) override;
  core::Result<std::vector<core::Claim>> lease_due_claims(core::TimePoint now,
                                                          core::TimePoint lease_until,
                                                          size_t limit) override;
  core::Result<std::optional<core::Claim>> get_claim_by_id(const std::string& id) override;
  core::Result<core::Mail> enqueue_mail(core::Mail mail) override;
  core::Status update_mail(const core::Mail& mail) override;
  core::Result<std::vector<core::Mail>> due_mail(core::TimePoint now, size_t limit) override;
  core::Result<std::vector<core::Mail>> lease_due_mail(core::TimePoint now,
                                                       core::TimePoint lease_until,
                                                       size_t limit) override;
  core::Result<std::vector<core::Mail>> list_mail(const std::optional<std::string>& address,
                                                  const std::optional<int64_t>& id) override;
  core::Result<size_t> count_queued_mail() override;
  core::Status clear_mail() override;
  core::Result<std::optional<core::TimePoint>> last_mail_to(const core::Scope& scope,
                                                            const std::string& to) override;
  core::Result<std::vector<core::Mail>> list_mail_page(const MailQuery& query) override;
  core::Result<size_t> hide_mail(const std::optional<core::Scope>& scope) override;
  core::Result<size_t> prune_mail(core::TimePoint before, size_t limit) override;
  core::Status put_account(const core::Account& account) override;
  core::Result<std::optional<core::Account>> find_account(
      const std::string& access_key_id) override;
  core::Result<bool> delete_account(const std::string& access_key_id) override;
  core::Result<std::vector<core::Account>> list_accounts() override;
  core::Status clear_claims() override;
  core::Result<std::optional<std::string>> get_setting(const std::string& name) override;
  core::Status put_setting(const std::string& name, const std::string& value) override;
  core::Result<std::string> put_setting_if_absent(const std::string& name,
                                                  const std::string& value) override;
  core::Result<core::VerificationTemplate> insert_template(core::VerificationTemplate t,
                                                           size_t quota) override;
  core::Status update_template(const core::VerificationTemplate& t) override;
  core::Result<std::optional<core::VerificationTemplate>> get_template(
      const core::Scope& scope, const std::string& name) override;
  core::Result<bool> delete_template(const core::Scope& scope, const std::string& name) override;
  core::Result<std::vector<core::VerificationTemplate>> list_templates(const core::Scope& scope,
                                                                       int64_t after_seq,
                                                                       size_t limit) override;
  core::Result<std::vector<core::Event>> list_events(const std::string& account_id,
                                                     int64_t after_seq, size_t limit) override;
  core::Result<size_t> prune_events(core::TimePoint before, size_t limit,
                                    core::TimePoint unsent_since) override;
  core::Result<size_t> prune_tokens(core::TimePoint before, size_t limit) override;
  core::Result<size_t> prune_history(size_t keep, size_t limit) override;
  core::Result<core::Webhook> insert_webhook(core::Webhook w, size_t limit) override;
  core::Result<std::vector<core::WebhookStatus>> list_webhooks(
      const std::string& account_id) override;
  core::Result<bool> delete_webhook(const std::string& account_id, const std::string& id) override;
  core::Result<std::vector<core::DueDelivery>> lease_due_deliveries(core::TimePoint now,
                                                                    core::TimePoint lease_until,
                                                                    size_t limit) override;
  core::Status record_delivery(const core::WebhookDelivery& d, bool disable) override;
  core::Status record_deliveries(
      const std::vector<std::pair<core::WebhookDelivery, bool>>& outcomes) override;
  core::Result<size_t> count_pending_deliveries() override;
  core::Result<size_t> prune_deliveries(core::TimePoint before, size_t limit) override;

  core::Result<bool> has_claims() override;

  // The schema version this build writes.
  static int schema_version();

 private:
  explicit SqliteStore(std::string path);

  // Borrows a pooled reader connection for the duration of one call.
  class Reader {
   public:
    explicit Reader(SqliteStore& store) : store_(store), conn_(store.acquire_reader()) {}
    ~Reader() {
      if (conn_) store_.release_reader(std::move(conn_));
    }
    bool ok() const { return conn_ != nullptr; }
    Conn& operator*() { return *conn_; }

   private:
    SqliteStore& store_;
    std::unique_ptr<Conn> conn_;
  };

  std::unique_ptr<Conn> acquire_reader();
  void release_reader(std::unique_ptr<Conn> conn);

  const std::string path_;
  std::unique_ptr<Conn> writer_conn_;
  std::unique_ptr<GroupCommit> writer_;
  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Conn>> readers_;  // GUARDED_BY(readers_mu_)
};

}  // namespace vouch::store::sqlite
