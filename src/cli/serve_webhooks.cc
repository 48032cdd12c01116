#include "cli/serve_webhooks.h"

#include <array>

namespace vouch::cli {

WebhookDelivery make_webhook_delivery(const ServeOptions& opt, core::Store& store,
                                      const core::Clock& domain, const core::Clock& wall,
                                      core::Random& random, metrics::Registry& registry,
                                      const std::string& version) {
  webhook::PosterOptions poster;
  poster.allow_private = opt.webhook_allow_private;
  auto& outcomes = registry.counter(
      "vouch_webhook_deliveries_total",
      "Webhook delivery attempts by outcome (delivered, retry, failed, disabled).", {"outcome"});
  using webhook::Outcome;
  std::array<metrics::Counter*, 4> by_outcome{};
  for (Outcome o : {Outcome::kDelivered, Outcome::kRetry, Outcome::kFailed, Outcome::kDisabled}) {
    by_outcome[static_cast<size_t>(o)] = &outcomes.with({webhook::outcome_name(o)});
  }
  auto& latency = registry
                      .histogram("vouch_webhook_delivery_seconds",
                                 "How long a webhook delivery's POST took.", {})
                      .with({});
  registry.gauge_fn("vouch_webhook_backlog", "Webhook deliveries not yet delivered or given up.",
                    [&store] {
                      auto n = store.count_pending_deliveries();
                      return n.ok() ? static_cast<double>(*n) : 0.0;
                    });
  webhook::WorkerOptions options;
  options.lease_for = kWebhookLease;
  options.user_agent = "vouch/" + version;
  options.on_attempt = [by_outcome, &latency](Outcome o, double seconds) {
    by_outcome[static_cast<size_t>(o)]->inc();
    if (seconds > 0) latency.observe(seconds);  // 0: nothing was sent
  };
  WebhookDelivery d;
  d.poster = std::make_unique<webhook::CurlPoster>(poster);
  d.worker = std::make_unique<webhook::DeliveryWorker>(store, *d.poster, domain, wall, random,
                                                       std::move(options));
  if (!opt.test_mode) d.worker->start();
  return d;
}

}  // namespace vouch::cli
