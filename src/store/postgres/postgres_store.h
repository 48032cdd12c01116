// The fleet Store: PostgreSQL over libpq, shared by many stateless nodes.
// Each call borrows one pooled connection; due claims (by range:
// sweep_leases.h) and mail (FOR UPDATE SKIP LOCKED) are handed out under
// leases so that each runs on one node.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/store.h"
#include "store/postgres/conn.h"
#include "store/postgres/sweep_leases.h"
#include "store/postgres/webhook_cursor.h"
#include "store/batch_queue.h"
#include "store/write_batcher.h"

namespace vouch::store::postgres {

class PostgresStore final : public core::Store {
 public:
  // `conninfo`: a libpq keyword string or URI ("" = the PG* variables).
  // Connects `pool_size` connections and brings the schema to the current
  // version. A server that does not answer is kUnavailable, naming it.
  static core::Result<std::unique_ptr<PostgresStore>> open(const std::string& conninfo,
                                                           size_t pool_size);
  // The schema version this build writes.
  static int schema_version();

  std::string name() const override { return "postgres"; }
  // Identity reads waiting to join the next statement (find_identities): for tests.
  size_t reads_queued() const { return reads_.queued(); }
  core::Status ping() override;
  core::Result<core::Snapshot> snapshot() override;
  core::Status restore(const core::Snapshot& snapshot) override;

  core::Result<std::optional<core::Claim>> get_claim(const core::Scope& scope,
                                                     const std::string& id) override;
  core::Result<std::optional<core::Claim>> find_identity(const core::Scope& scope,
                                                         const std::string& subject) override;
  core::Result<std::vector<core::Claim>> find_identities(
      const core::Scope& scope, const std::vector<std::string>& subjects) override;
  // One subject: queued for the next batched statement, `fn` called on the
  // batch's thread; many: read at once, on the caller's thread.
  void with_identities_later(const core::Scope& scope, std::vector<std::string> subjects,
                             IdentitiesDone fn) override;
  bool queues_identity_read(size_t subjects) const override { return subjects == 1; }
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
  core::Status clear_claims() override;
  core::Result<bool> has_claims() override;

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

 private:
  explicit PostgresStore(std::unique_ptr<Pool> pool);

  // One statement on a pooled connection, in its own transaction.
  core::Result<Res> run(const Query& q, const Params& params = {});
  // `fn` inside BEGIN .. COMMIT on one connection; rolled back if it fails.
  // Rerun from the start (so `fn` must reset what it writes) after a
  // serialization failure or a deadlock, a few times.
  core::Status in_tx(const std::function<core::Status(Conn&)>& fn, const char* begin = "BEGIN");
  // A claim to insert; with existing_identity, an SES identity already
  // holding its subject answers instead (`existed`, and `claim` is that one).
  // With a quota (of the scope's claims of quota_kinds, else of the claim's
  // kind), a full scope refuses it (`over_quota`).
  struct NewClaim {
    core::Claim claim;
    bool existing_identity = false;
    size_t quota = 0;
    std::vector<core::ClaimKind> quota_kinds;
    bool existed = false;
    bool over_quota = false;
  };
  using Inserts = WriteBatcher<NewClaim>;
  // Inserts `n.claim` (setting seq and version), or kConflict naming the
  // claim in the way: with the inserts of other callers waiting meanwhile, in
  // one statement that commits on its own (inserts.cc).
  core::Status insert_batched(NewClaim& n);
  void insert_batch(std::vector<Inserts::Item*>& batch);
  // A batch holding creates under a quota: one transaction that locks and
  // counts each scope once.
  void insert_counted(Conn& c, std::vector<Inserts::Item*>& batch);
  // The items' claims in one statement (setting seq and version); those a
  // unique index refused go to `left_out`. How many it inserted.
  static core::Result<size_t> insert_rows(Conn& c, const std::vector<Inserts::Item*>& items,
                                          std::vector<Inserts::Item*>& left_out);
  // The SES identities with the items' subjects, each found one answering
  // its item (`existed`); one statement.
  static core::Status read_existing(Conn& c, const std::vector<Inserts::Item*>& wanting);
  // The items a batch's insert left out: those wanting an existing identity
  // get it, the rest kConflict. The first failed statement's error.
  static core::Status settle_left_out(Conn& c, const std::vector<Inserts::Item*>& left);
  // One-subject identity reads of concurrent callers, read in one
  // statement: the server's cost of such a read is mostly per statement
  // (~50 us of its CPU alone, ~25 batched; bench/RESULTS.md). Reads of many
  // subjects run on their own: batched, they waited for one another.
  struct IdentityRead {
    core::Scope scope;
    std::string subject;
    std::vector<core::Claim> found;
    core::Status status;
  };
  void read_batch(std::vector<IdentityRead*>& batch);

  // Counts `n` claims this node inserted; analyzes the table when they
  // are as many as its statistics count (analyze.cc). `c`: a connection the
  // caller holds, else one is taken from the pool.
  void count_inserts(size_t n, Conn* c);

  std::unique_ptr<Pool> pool_;
  Inserts inserts_;
  BatchQueue<IdentityRead> reads_;  // after pool_: its thread reads through it
  std::mutex analyze_mu_;
  int64_t analyzed_rows_ = -1;  // GUARDED_BY(analyze_mu_); what ANALYZE counted; -1: not read
  int64_t inserted_since_ = 0;  // GUARDED_BY(analyze_mu_)
  // Ends this node's sweep leases whose claims are all recorded now.
  void end_sweep_leases(const std::vector<int64_t>& seqs);

  SweepLeases sweeps_;    // this node's leases on due claims
  EventHorizon horizon_;  // webhooks' cursors read events up to it
};

}  // namespace vouch::store::postgres
