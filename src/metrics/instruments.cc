#include "metrics/instruments.h"

#include <unistd.h>

#include <cstdio>

namespace vouch::metrics {
namespace {

using Steady = std::chrono::steady_clock;

double seconds_since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

std::string_view error_kind(core::DnsAnswer::Kind k) {
  switch (k) {
    case core::DnsAnswer::Kind::kServFail: return "servfail";
    case core::DnsAnswer::Kind::kRefused: return "refused";
    case core::DnsAnswer::Kind::kTimeout: return "timeout";
    case core::DnsAnswer::Kind::kError: return "error";
    default: return {};  // an answer: records, NXDOMAIN, no data, a bad name
  }
}

}  // namespace

MeteredResolver::MeteredResolver(core::DnsResolver& inner, Registry& registry)
    : inner_(inner),
      duration_(registry.histogram("vouch_dns_lookup_duration_seconds",
                                   "DNS lookups by resolver, from start to answer.", {"resolver"})),
      errors_(registry.counter("vouch_dns_lookup_errors_total",
                               "DNS lookups a resolver did not answer: servfail, refused, "
                               "timeout, error.",
                               {"resolver", "kind"})) {}

void MeteredResolver::lookup(const std::string& name, core::RecordType type,
                             std::function<void(std::vector<core::DnsAnswer>)> done) {
  inner_.lookup(
      name, type,
      [this, start = Steady::now(), done = std::move(done)](std::vector<core::DnsAnswer> answers) {
        const double took = seconds_since(start);
        // Resolvers come from the configuration: a bounded set.
        for (const auto& a : answers) {
          duration_.with({a.resolver}).observe(took);
          if (auto kind = error_kind(a.kind); !kind.empty()) {
            errors_.with({a.resolver, kind}).inc();
          }
        }
        done(std::move(answers));
      });
}

std::string_view reply_class(const core::SendResult& r) {
  if (r.kind == core::SendResult::Kind::kAccepted) return "2xx";
  // SmtpMailer words a refusal "SMTP <code> ..."; anything else had no reply.
  if (r.detail.rfind("SMTP 4", 0) == 0) return "4xx";
  if (r.detail.rfind("SMTP 5", 0) == 0) return "5xx";
  return "connection";
}

Family<Counter>& mail_deliveries(Registry& registry) {
  return registry.counter("vouch_mail_deliveries_total",
                          "Verification mail delivery attempts by SMTP reply class "
                          "(2xx, 4xx, 5xx, connection).",
                          {"result"});
}

MeteredMailer::MeteredMailer(core::Mailer& inner, Registry& registry)
    : inner_(inner), deliveries_(mail_deliveries(registry)) {}

core::SendResult MeteredMailer::send(const core::Mail& mail) {
  auto r = inner_.send(mail);
  deliveries_.with({reply_class(r)}).inc();
  return r;
}

namespace {

// Runs `fn`, and observes how long it took.
template <typename Fn>
auto timed(Histogram& h, Fn&& fn) {
  const auto start = Steady::now();
  auto r = fn();
  h.observe(seconds_since(start));
  return r;
}

}  // namespace

MeteredStore::MeteredStore(std::unique_ptr<core::Store> inner, Registry& registry)
    : ForwardingStore(std::move(inner)),
      commits_(registry.histogram("vouch_store_commit_duration_seconds",
                                  "Store write transactions until committed, by operation.",
                                  {"op"})),
      single_(commits_.with({"record_check"})),
      batch_(commits_.with({"record_checks"})),
      create_(commits_.with({"create_claim"})),
      update_(commits_.with({"update_claim"})),
      delete_(commits_.with({"delete_claim"})) {}

core::Result<core::Claim> MeteredStore::record_check(core::Claim claim, const std::string& evidence,
                                                     std::optional<core::StatusChange> change) {
  return timed(single_, [&] {
    return ForwardingStore::record_check(std::move(claim), evidence, std::move(change));
  });
}

std::vector<core::Result<core::Claim>> MeteredStore::record_checks(
    std::vector<core::CheckRecord> records) {
  return timed(batch_, [&] { return ForwardingStore::record_checks(std::move(records)); });
}

core::Result<core::CreateResult> MeteredStore::create_claim_once(
    core::Claim claim, const std::optional<core::IdempotencyKey>& key,
    const core::CreateRules& rules) {
  return timed(create_,
               [&] { return ForwardingStore::create_claim_once(std::move(claim), key, rules); });
}

core::Result<core::Claim> MeteredStore::update_claim(core::Claim claim) {
  return timed(update_, [&] { return ForwardingStore::update_claim(std::move(claim)); });
}

core::Result<bool> MeteredStore::delete_claim(const core::Scope& scope, const std::string& id) {
  return timed(delete_, [&] { return ForwardingStore::delete_claim(scope, id); });
}

namespace {

struct HttpFamilies {
  Family<Counter>& requests;
  Family<Histogram>& duration;
};

// Counts one answered request.
void observe(HttpFamilies& f, const OperationLabel& l, int status, Steady::time_point start) {
  f.duration.with({l.api, l.operation}).observe(seconds_since(start));
  char code[8];
  std::snprintf(code, sizeof(code), "%d", status);
  f.requests.with({l.api, l.operation, code}).inc();
}

}  // namespace

http::Handler instrument(http::Handler inner, Registry& registry,
                         std::function<OperationLabel(const http::Request&)> label) {
  auto f = std::make_shared<HttpFamilies>(HttpFamilies{
      registry.counter("vouch_http_requests_total", "HTTP requests by API, operation and status.",
                       {"api", "operation", "code"}),
      registry.histogram("vouch_http_request_duration_seconds",
                         "HTTP request latency by API and operation, until the response.",
                         {"api", "operation"})});
  return [inner = std::move(inner), f,
          label = std::move(label)](http::Request& req) -> http::HandlerResult {
    const auto start = Steady::now();
    const OperationLabel l = label(req);
    auto result = inner(req);
    if (auto* r = std::get_if<http::Response>(&result)) {
      observe(*f, l, r->status, start);
      return result;
    }
    if (auto* d = std::get_if<http::Deferred>(&result)) {
      return http::Deferred([f, l, start, d = std::move(*d)] {
        auto r = d();
        observe(*f, l, r.status, start);
        return r;
      });
    }
    auto& a = std::get<http::Async>(result);
    return http::Async{[f, l, start, s = std::move(a.start)](http::Done done) {
                         s([f, l, start, done = std::move(done)](http::Response r) {
                           observe(*f, l, r.status, start);
                           done(std::move(r));
                         });
                       },
                       a.quick_start};
  };
}

double resident_memory_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long size = 0, resident = 0;
  const int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

}  // namespace vouch::metrics
