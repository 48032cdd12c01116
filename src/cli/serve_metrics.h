// serve()'s metrics: one Registry, the decorators that feed it, the gauges
// read at scrape time, and GET /metrics on the API's listener or, with
// --metrics-listen, on a listener of its own (then only there). /metrics
// needs no signature: it names no domain, account or address.
// VOUCH_NO_METRICS=1 (for the benchmark) leaves every decorator out.
#pragma once

#include <memory>
#include <thread>

#include "cli/options.h"
#include "core/clock.h"
#include "core/evidence.h"
#include "core/mail.h"
#include "core/store.h"
#include "http/message.h"
#include "metrics/instruments.h"
#include "metrics/registry.h"
#include "scheduler/scheduler.h"
#include "server/http_server.h"

namespace vouch::cli {

class ServeMetrics {
 public:
  explicit ServeMetrics(const ServeOptions& opt);
  ~ServeMetrics();  // stops the metrics listener
  bool enabled() const { return enabled_; }
  // For other reporters (webhook delivery): register families here. With
  // VOUCH_NO_METRICS they are kept but never exposed.
  metrics::Registry& registry() { return registry_; }

  // Each returns what it is given when metrics are off.
  std::unique_ptr<core::Store> store(std::unique_ptr<core::Store> inner);
  core::DnsResolver& resolver(core::DnsResolver& inner);
  core::Mailer& mailer(core::Mailer& inner);
  void count_checks(scheduler::SchedulerOptions& options);
  // The API listener's handler: counted, and answering /metrics unless
  // --metrics-listen moved it.
  http::Handler handler(http::Handler inner);

  // The gauges read at scrape time, once the things they read exist.
  void watch(core::Store& store, const core::Clock& domain, const server::HttpServer& api);
  // Binds and starts --metrics-listen, if given; returns its port (0: none).
  core::Result<unsigned short> listen();
  void stop();  // the metrics listener, before what its gauges read goes

 private:
  http::Response scrape() const;

  const ServeOptions& opt_;
  const bool enabled_;
  metrics::Registry registry_;
  std::unique_ptr<metrics::MeteredResolver> resolver_;
  std::unique_ptr<metrics::MeteredMailer> mailer_;
  std::unique_ptr<server::HttpServer> server_;
  std::thread thread_;
};

}  // namespace vouch::cli
