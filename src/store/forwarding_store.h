// A Store that passes every call to another one: the base of decorators
// (CachingStore, test doubles) that change a few calls and keep the rest.
#pragma once

#include <memory>
#include <utility>

#include "core/store.h"

namespace vouch::store {

class ForwardingStore : public core::Store {
 public:
  explicit ForwardingStore(std::unique_ptr<core::Store> inner) : inner_(std::move(inner)) {}

  std::string name() const override { return inner_->name(); }
  core::Status ping() override { return inner_->ping(); }
  core::Result<core::Snapshot> snapshot() override { return inner_->snapshot(); }
  core::Status restore(const core::Snapshot& snapshot) override {
    return inner_->restore(snapshot);
  }
  core::Result<std::optional<core::Claim>> get_claim(const core::Scope& scope,
                                                     const std::string& id) override {
    return inner_->get_claim(scope, id);
  }
  core::Result<std::optional<core::Claim>> find_identity(const core::Scope& scope,
                                                         const std::string& subject) override {
    return inner_->find_identity(scope, subject);
  }
  core::Result<std::vector<core::Claim>> find_identities(
      const core::Scope& scope, const std::vector<std::string>& subjects) override {
    return inner_->find_identities(scope, subjects);
  }
  core::Status with_identities(
      const core::Scope& scope, const std::vector<std::string_view>& subjects,
      const std::function<void(const std::vector<const core::Claim*>&)>& fn) override {
    return inner_->with_identities(scope, subjects, fn);
  }
  // A decorator that changes with_identities must override these two as
  // well (CachingStore: back to ClaimStore's, which calls its own).
  void with_identities_later(const core::Scope& scope, std::vector<std::string> subjects,
                             IdentitiesDone fn) override {
    inner_->with_identities_later(scope, std::move(subjects), std::move(fn));
  }
  bool queues_identity_read(size_t subjects) const override {
    return inner_->queues_identity_read(subjects);
  }
  core::Result<std::vector<core::Claim>> find_claims(
      const core::Scope& scope, core::ClaimKind kind,
      const std::vector<std::string>& subjects) override {
    return inner_->find_claims(scope, kind, subjects);
  }
  core::Result<std::vector<core::Claim>> list_claims(const core::ListQuery& q) override {
    return inner_->list_claims(q);
  }
  core::Result<size_t> count_claims(const core::Scope& scope,
                                    const std::vector<core::ClaimKind>& kinds) override {
    return inner_->count_claims(scope, kinds);
  }
  core::Result<std::vector<core::Claim>> search_claims(const core::ClaimSearch& q) override {
    return inner_->search_claims(q);
  }
  core::Result<core::Claim> insert_claim(core::Claim claim) override {
    return inner_->insert_claim(std::move(claim));
  }
  core::Result<core::CreateResult> create_claim_once(core::Claim claim,
                                                     const std::optional<core::IdempotencyKey>& key,
                                                     const core::CreateRules& rules) override {
    return inner_->create_claim_once(std::move(claim), key, rules);
  }
  core::Result<core::Claim> update_claim(core::Claim claim) override {
    return inner_->update_claim(std::move(claim));
  }
  core::Result<core::Claim> record_check(core::Claim claim, const std::string& evidence,
                                         std::optional<core::StatusChange> change) override {
    return inner_->record_check(std::move(claim), evidence, change);
  }
  std::vector<core::Result<core::Claim>> record_checks(
      std::vector<core::CheckRecord> records) override {
    return inner_->record_checks(std::move(records));
  }
  core::Result<std::optional<std::string>> last_evidence(const std::string& claim_id) override {
    return inner_->last_evidence(claim_id);
  }
  core::Result<std::shared_ptr<const core::Evidence>> last_evidence_decoded(
      const std::string& claim_id) override {
    return inner_->last_evidence_decoded(claim_id);
  }
  core::Result<std::vector<core::StatusChange>> history(const std::string& claim_id) override {
    return inner_->history(claim_id);
  }
  core::Result<size_t> prune_tokens(core::TimePoint before, size_t limit) override {
    return inner_->prune_tokens(before, limit);
  }
  core::Result<size_t> prune_history(size_t keep, size_t limit) override {
    return inner_->prune_history(keep, limit);
  }
  core::Result<bool> delete_claim(const core::Scope& scope, const std::string& id) override {
    return inner_->delete_claim(scope, id);
  }
  core::Result<std::vector<core::Claim>> due_claims(core::TimePoint now, size_t limit) override {
    return inner_->due_claims(now, limit);
  }
  core::Result<std::vector<core::Claim>> due_claims_after(core::TimePoint now,
                                                          const DueCursor& after,
                                                          size_t limit) override {
    return inner_->due_claims_after(now, after, limit);
  }
  core::Result<DueCount> count_due_claims(core::TimePoint now, size_t cap) override {
    return inner_->count_due_claims(now, cap);
  }
  core::Result<std::vector<core::Claim>> lease_due_claims(core::TimePoint now,
                                                          core::TimePoint lease_until,
                                                          size_t limit) override {
    return inner_->lease_due_claims(now, lease_until, limit);
  }
  core::Result<std::optional<core::Claim>> get_claim_by_id(const std::string& id) override {
    return inner_->get_claim_by_id(id);
  }
  core::Result<core::Mail> enqueue_mail(core::Mail mail) override {
    return inner_->enqueue_mail(std::move(mail));
  }
  core::Status update_mail(const core::Mail& mail) override { return inner_->update_mail(mail); }
  core::Result<std::vector<core::Mail>> due_mail(core::TimePoint now, size_t limit) override {
    return inner_->due_mail(now, limit);
  }
  core::Result<std::vector<core::Mail>> lease_due_mail(core::TimePoint now,
                                                       core::TimePoint lease_until,
                                                       size_t limit) override {
    return inner_->lease_due_mail(now, lease_until, limit);
  }
  core::Result<std::vector<core::Mail>> list_mail(const std::optional<std::string>& address,
                                                  const std::optional<int64_t>& id) override {
    return inner_->list_mail(address, id);
  }
  core::Result<size_t> count_queued_mail() override { return inner_->count_queued_mail(); }
  core::Status clear_mail() override { return inner_->clear_mail(); }
  core::Result<std::optional<core::TimePoint>> last_mail_to(const core::Scope& scope,
                                                            const std::string& to) override {
    return inner_->last_mail_to(scope, to);
  }
  core::Result<std::vector<core::Mail>> list_mail_page(const MailQuery& query) override {
    return inner_->list_mail_page(query);
  }
  core::Result<size_t> hide_mail(const std::optional<core::Scope>& scope) override {
    return inner_->hide_mail(scope);
  }
  core::Result<size_t> prune_mail(core::TimePoint before, size_t limit) override {
    return inner_->prune_mail(before, limit);
  }
  core::Status put_account(const core::Account& account) override {
    return inner_->put_account(account);
  }
  core::Result<std::optional<core::Account>> find_account(
      const std::string& access_key_id) override {
    return inner_->find_account(access_key_id);
  }
  core::Result<bool> delete_account(const std::string& access_key_id) override {
    return inner_->delete_account(access_key_id);
  }
  core::Result<std::vector<core::Account>> list_accounts() override {
    return inner_->list_accounts();
  }
  core::Status clear_claims() override { return inner_->clear_claims(); }
  core::Result<bool> has_claims() override { return inner_->has_claims(); }
  core::Result<std::optional<std::string>> get_setting(const std::string& name) override {
    return inner_->get_setting(name);
  }
  core::Status put_setting(const std::string& name, const std::string& value) override {
    return inner_->put_setting(name, value);
  }
  core::Result<std::string> put_setting_if_absent(const std::string& name,
                                                  const std::string& value) override {
    return inner_->put_setting_if_absent(name, value);
  }
  core::Result<core::VerificationTemplate> insert_template(core::VerificationTemplate t,
                                                           size_t quota) override {
    return inner_->insert_template(std::move(t), quota);
  }
  core::Status update_template(const core::VerificationTemplate& t) override {
    return inner_->update_template(t);
  }
  core::Result<std::optional<core::VerificationTemplate>> get_template(
      const core::Scope& scope, const std::string& name) override {
    return inner_->get_template(scope, name);
  }
  core::Result<bool> delete_template(const core::Scope& scope, const std::string& name) override {
    return inner_->delete_template(scope, name);
  }
  core::Result<std::vector<core::VerificationTemplate>> list_templates(const core::Scope& scope,
                                                                       int64_t after_seq,
                                                                       size_t limit) override {
    return inner_->list_templates(scope, after_seq, limit);
  }
  core::Result<std::vector<core::Event>> list_events(const std::string& account_id,
                                                     int64_t after_seq, size_t limit) override {
    return inner_->list_events(account_id, after_seq, limit);
  }
  core::Result<size_t> prune_events(core::TimePoint before, size_t limit,
                                    core::TimePoint unsent_since) override {
    return inner_->prune_events(before, limit, unsent_since);
  }
  core::Result<core::Webhook> insert_webhook(core::Webhook w, size_t limit) override {
    return inner_->insert_webhook(std::move(w), limit);
  }
  core::Result<std::vector<core::WebhookStatus>> list_webhooks(
      const std::string& account_id) override {
    return inner_->list_webhooks(account_id);
  }
  core::Result<bool> delete_webhook(const std::string& account_id, const std::string& id) override {
    return inner_->delete_webhook(account_id, id);
  }
  core::Result<std::vector<core::DueDelivery>> lease_due_deliveries(core::TimePoint now,
                                                                    core::TimePoint lease_until,
                                                                    size_t limit) override {
    return inner_->lease_due_deliveries(now, lease_until, limit);
  }
  core::Status record_delivery(const core::WebhookDelivery& d, bool disable) override {
    return inner_->record_delivery(d, disable);
  }
  core::Status record_deliveries(
      const std::vector<std::pair<core::WebhookDelivery, bool>>& outcomes) override {
    return inner_->record_deliveries(outcomes);
  }
  core::Result<size_t> count_pending_deliveries() override {
    return inner_->count_pending_deliveries();
  }
  core::Result<size_t> prune_deliveries(core::TimePoint before, size_t limit) override {
    return inner_->prune_deliveries(before, limit);
  }

 protected:
  core::Store& inner() { return *inner_; }

 private:
  std::unique_ptr<core::Store> inner_;
};

}  // namespace vouch::store
