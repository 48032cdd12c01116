// serve()'s webhook delivery: the HTTP client (--webhook-allow-private), the
// outbox worker with its metrics, started in the background unless in test
// mode (then POST /_vouch/test/run-due-webhooks runs it).
#pragma once

#include <memory>
#include <string>

#include "cli/options.h"
#include "core/clock.h"
#include "core/random.h"
#include "core/store.h"
#include "metrics/registry.h"
#include "webhook/delivery_worker.h"
#include "webhook/http_poster.h"

namespace vouch::cli {

// On a shared store: how long a node holds the deliveries it took (a batch
// at the client's 10 s timeout, a few at a time, takes at most minutes).
constexpr core::Seconds kWebhookLease{300};

struct WebhookDelivery {
  std::unique_ptr<webhook::CurlPoster> poster;
  std::unique_ptr<webhook::DeliveryWorker> worker;
};

WebhookDelivery make_webhook_delivery(const ServeOptions& opt, core::Store& store,
                                      const core::Clock& domain, const core::Clock& wall,
                                      core::Random& random, metrics::Registry& registry,
                                      const std::string& version);

}  // namespace vouch::cli
