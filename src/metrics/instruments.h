// Decorators that report to a Registry what passes through them: DNS
// lookups, mail sends, check commits, HTTP requests. Each takes its
// families once, at construction, and updates atomics after that.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/evidence.h"
#include "core/mail.h"
#include "http/message.h"
#include "metrics/registry.h"
#include "store/forwarding_store.h"

namespace vouch::metrics {

// vouch_dns_lookup_duration_seconds{resolver}: from the lookup's start to
// its answers (the perspectives are asked in parallel and answer together, so
// each perspective's series records the lookup's time);
// vouch_dns_lookup_errors_total{resolver,kind}: servfail, refused, timeout, error.
class MeteredResolver final : public core::DnsResolver {
 public:
  MeteredResolver(core::DnsResolver& inner, Registry& registry);
  void lookup(const std::string& name, core::RecordType type,
              std::function<void(std::vector<core::DnsAnswer>)> done) override;
  size_t perspectives() const override { return inner_.perspectives(); }

 private:
  core::DnsResolver& inner_;
  Family<Histogram>& duration_;
  Family<Counter>& errors_;
};

// The SMTP reply class of a send: "2xx", "4xx", "5xx", or "connection"
// (no reply: refused, timed out, TLS failed).
std::string_view reply_class(const core::SendResult& r);

// vouch_mail_deliveries_total{result}, result the reply class.
Family<Counter>& mail_deliveries(Registry& registry);

class MeteredMailer final : public core::Mailer {
 public:
  MeteredMailer(core::Mailer& inner, Registry& registry);
  core::SendResult send(const core::Mail& mail) override;

 private:
  core::Mailer& inner_;
  Family<Counter>& deliveries_;
};

// vouch_store_commit_duration_seconds{op}: the store's write transactions,
// each until committed (on SQLite a write waits for its group commit): the
// scheduler's batch of check results (op="record_checks"), one check
// ("record_check"), a created claim ("create_claim"), an updated one
// ("update_claim"), a deleted one ("delete_claim").
class MeteredStore final : public store::ForwardingStore {
 public:
  MeteredStore(std::unique_ptr<core::Store> inner, Registry& registry);
  core::Result<core::Claim> record_check(core::Claim claim, const std::string& evidence,
                                         std::optional<core::StatusChange> change) override;
  std::vector<core::Result<core::Claim>> record_checks(
      std::vector<core::CheckRecord> records) override;
  core::Result<core::CreateResult> create_claim_once(core::Claim claim,
                                                     const std::optional<core::IdempotencyKey>& key,
                                                     const core::CreateRules& rules) override;
  core::Result<core::Claim> update_claim(core::Claim claim) override;
  core::Result<bool> delete_claim(const core::Scope& scope, const std::string& id) override;

 private:
  Family<Histogram>& commits_;
  Histogram& single_;
  Histogram& batch_;
  Histogram& create_;
  Histogram& update_;
  Histogram& delete_;
};

// A request's labels: which API and which of its operations (fixed sets).
struct OperationLabel {
  std::string_view api;
  std::string_view operation;
};

// vouch_http_requests_total{api,operation,code} and
// vouch_http_request_duration_seconds{api,operation} around `inner`, for
// Response, Deferred and Async results alike (timed to the response).
// `label` names a request's API and operation before `inner` sees it.
http::Handler instrument(http::Handler inner, Registry& registry,
                         std::function<OperationLabel(const http::Request&)> label);

// Resident set size from /proc/self/statm, in bytes (0 if unreadable).
double resident_memory_bytes();

}  // namespace vouch::metrics
