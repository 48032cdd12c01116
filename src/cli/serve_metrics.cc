#include "cli/serve_metrics.h"

#include <array>
#include <cstdlib>
#include <mutex>

#include "api/common/json.h"
#include "api/control/claim_view.h"
#include "api/operation_label.h"
#include "core/evidence_json.h"

#ifndef VOUCH_VERSION
#define VOUCH_VERSION "0.0.0"
#endif

namespace vouch::cli {
namespace {

bool metrics_off() {
  const char* v = std::getenv("VOUCH_NO_METRICS");
  return v && *v && std::string_view(v) != "0";
}

bool is_scrape(const http::Request& req) {
  return req.path() == "/metrics" && (req.method == "GET" || req.method == "HEAD");
}

// The due backlog is read with a bounded query at each scrape: past this many
// it reads as this many.
constexpr size_t kDueCap = 10000;

}  // namespace

ServeMetrics::ServeMetrics(const ServeOptions& opt) : opt_(opt), enabled_(!metrics_off()) {
  if (!enabled_) return;
  registry_.gauge("vouch_build_info", "The running build; always 1.", {"version"})
      .with({VOUCH_VERSION})
      .set(1);
  metrics::mail_deliveries(registry_);  // listed without --smtp-url too
  registry_.gauge_fn("vouch_process_resident_memory_bytes", "Resident memory (/proc/self/statm).",
                     &metrics::resident_memory_bytes);
}

ServeMetrics::~ServeMetrics() { stop(); }

void ServeMetrics::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::unique_ptr<core::Store> ServeMetrics::store(std::unique_ptr<core::Store> inner) {
  if (!enabled_) return inner;
  return std::make_unique<metrics::MeteredStore>(std::move(inner), registry_);
}

core::DnsResolver& ServeMetrics::resolver(core::DnsResolver& inner) {
  if (!enabled_) return inner;
  resolver_ = std::make_unique<metrics::MeteredResolver>(inner, registry_);
  return *resolver_;
}

core::Mailer& ServeMetrics::mailer(core::Mailer& inner) {
  if (!enabled_) return inner;
  mailer_ = std::make_unique<metrics::MeteredMailer>(inner, registry_);
  return *mailer_;
}

void ServeMetrics::count_checks(scheduler::SchedulerOptions& options) {
  if (!enabled_) return;
  auto& family = registry_.counter("vouch_checks_total", "DNS checks by claim kind and outcome.",
                                   {"kind", "outcome"});
  // Every (kind, outcome) series found once, here: a check only adds 1.
  constexpr size_t kKinds = 7, kOutcomes = 3;
  auto table = std::make_shared<std::array<metrics::Counter*, kKinds * kOutcomes>>();
  table->fill(nullptr);
  for (size_t k = 0; k < kKinds; ++k) {
    for (size_t o = 0; o < kOutcomes; ++o) {
      const auto kind = static_cast<core::ClaimKind>(k);
      const auto outcome = static_cast<core::CheckOutcome>(o);
      if (kind == core::ClaimKind::kSesEmail) continue;  // no lookup checks it
      (*table)[k * kOutcomes + o] = &family.with(
          {api::control::kind_name(kind), core::outcome_name(outcome)});
    }
  }
  options.on_checked = [table](core::ClaimKind kind, core::CheckOutcome outcome) {
    const size_t k = static_cast<size_t>(kind), o = static_cast<size_t>(outcome);
    if (k < kKinds && o < kOutcomes && (*table)[k * kOutcomes + o])
      (*table)[k * kOutcomes + o]->inc();
  };
}

http::Handler ServeMetrics::handler(http::Handler inner) {
  if (!enabled_) return inner;
  const bool here = opt_.metrics_host.empty();
  http::Handler h = [this, here,
                     inner = std::move(inner)](http::Request& req) -> http::HandlerResult {
    // Deferred: the gauges read the store, which an I/O thread must not wait on.
    if (here && is_scrape(req)) return http::Deferred([this] { return scrape(); });
    return inner(req);
  };
  return metrics::instrument(std::move(h), registry_, [](const http::Request& req) {
    const auto n = api::operation_name(req);
    return metrics::OperationLabel{n.api, n.operation};
  });
}

void ServeMetrics::watch(core::Store& store, const core::Clock& domain,
                         const server::HttpServer& api) {
  if (!enabled_) return;
  registry_.gauge_fn("vouch_http_open_connections", "Connections open on the API listener.",
                     [&api] { return static_cast<double>(api.open_connections()); });
  registry_.gauge_fn("vouch_mail_outbox_depth", "Verification messages queued for delivery.",
                     [&store] {
                       auto n = store.count_queued_mail();
                       return n.ok() ? static_cast<double>(*n) : 0.0;
                     });
  // Both gauges from one read: the count first, then the age of what it read.
  auto oldest = std::make_shared<std::atomic<double>>(0);
  auto count = [oldest, &store, &domain] {
    const auto now = domain.now();
    auto due = store.count_due_claims(now, kDueCap);
    if (!due.ok()) return 0.0;
    double age = 0;
    if (due->oldest) age = std::chrono::duration<double>(now - *due->oldest).count();
    oldest->store(age);
    return static_cast<double>(due->count);
  };
  registry_.gauge_fn("vouch_due_claims", "Claims whose check is due now (counted up to 10000).",
                     count);
  registry_.gauge_fn("vouch_oldest_due_age_seconds",
                     "How long the longest-waiting due claim has been due, as of the scrape's "
                     "vouch_due_claims.",
                     [oldest] { return oldest->load(); });
}

http::Response ServeMetrics::scrape() const {
  http::Response r;
  r.content_type = std::string(metrics::Registry::kContentType);
  r.body = registry_.expose();
  return r;
}

core::Result<unsigned short> ServeMetrics::listen() {
  if (!enabled_ || opt_.metrics_host.empty()) return static_cast<unsigned short>(0);
  server::ServerOptions options;
  options.host = opt_.metrics_host;
  options.port = opt_.metrics_port;
  options.io_threads = 1;
  options.blocking_threads = 1;
  options.max_connections = 64;
  options.reserve_connections = 0;
  options.body_limit = 0;
  server_ = std::make_unique<server::HttpServer>(options, [this](http::Request& req) {
    if (is_scrape(req)) return http::HandlerResult(http::Deferred([this] { return scrape(); }));
    return http::HandlerResult(
        api::json_error(404, "UnknownOperationException", "Unknown operation"));
  });
  if (auto s = server_->bind(); !s.ok()) {
    return core::Error{s.error().code, "--metrics-listen: " + s.error().message};
  }
  thread_ = std::thread([s = server_.get()] { s->run(false); });
  return server_->port();
}

}  // namespace vouch::cli
