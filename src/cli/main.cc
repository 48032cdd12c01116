// vouch's composition root: the only place that names concrete classes.
#include <malloc.h>
#ifdef VOUCH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/access_log.h"
#include "api/authn.h"
#include "api/control/control_api.h"
#include "api/lattice/lattice_api.h"
#include "api/mail/mail_api.h"
#include "api/router.h"
#include "api/ses/ses_api.h"
#include "cli/claims_command.h"
#include "cli/events_command.h"
#include "cli/commands.h"
#include "cli/config_command.h"
#include "cli/config_layers.h"
#include "cli/data_dir.h"
#include "cli/log_setup.h"
#include "cli/options.h"
#include "cli/root_keys.h"
#include "cli/serve_metrics.h"
#include "cli/serve_webhooks.h"
#include "cli/shared_clock.h"
#include "cli/shared_secrets.h"
#include "cli/startup_errors.h"
#include "cli/store_factory.h"
#include "core/encoding.h"
#include "core/clock.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "mail/link_token.h"
#include "mail/mail_delivery.h"
#include "mail/smtp_mailer.h"
#include "server/cpus.h"
#include "server/http_server.h"
#include "service/accounts.h"
#include "service/claim_admin.h"
#include "service/event_feed.h"
#include "service/retention.h"
#include "service/identity_service.h"
#include "service/inbox.h"
#include "service/lattice_service.h"
#include "service/page_token.h"
#include "service/rate_limiter.h"
#include "service/verification_templates.h"
#include "service/webhooks.h"
#include "scheduler/scheduler.h"
#include "store/caching_store.h"
#include "store/due_notifying_store.h"
#include "store/sqlite/sqlite_store.h"
#include "verify/dns/cares_resolver.h"

#ifndef VOUCH_VERSION
#define VOUCH_VERSION "0.0.0"
#endif

namespace vouch::cli {
namespace {

constexpr const char* kUsage =
    "usage:\n"
    "  vouch serve [--config FILE] [--listen HOST:PORT] [--data DIR | --store URL [--store-connections N]\n"
    "              [--lease DURATION] [--store-cache N]]\n"
    "              [--node-id NAME] [--threads N] [--rate-limit OPERATION=N]...\n"
    "              [--insecure-any-credentials] [--max-identities N] [--dns-resolver HOST:PORT]...\n"
    "              [--dns-quorum N] [--dns-concurrency N] [--dns-soa-cache DURATION]\n"
    "              [--recheck-interval DURATION] [--test-mode] [--inbox]\n"
    "              [--auto-verify-suffix SUFFIX]... (test mode)\n"
    "              [--smtp-url smtp[s]://[user:pass@]HOST:PORT] [--smtp-starttls required|opportunistic|off]\n"
    "              [--smtp-ca-file PEM] [--mail-from ADDRESS] [--public-url URL]\n"
    "              [--tls-cert PEM --tls-key PEM]\n"
    "              [--identity-cache N] [--max-connections N] [--max-connections-per-client N]\n"
    "              [--mail-cooldown DURATION] [--mail-retention DURATION] [--i-know-this-is-public]\n"
    "              [--event-retention DURATION] [--history-keep N]\n"
    "              [--region NAME]... [--regions A,B,...] [--metrics-listen HOST:PORT]\n"
    "              [--access-log] [--log-format text|json] [--log-level debug|info|warn|error]\n"
    "              [--webhook-allow-private]\n"
    "  vouch account add (--data DIR | --store URL) --account-id ID --access-key-id K\n"
    "                    --secret-access-key S\n"
    "  vouch account remove (--data DIR | --store URL) --access-key-id K\n"
    "  vouch account list (--data DIR | --store URL)\n"
    "  vouch store copy --from DIR --to URL\n"
    "  vouch events [--after evt-N] [--limit N] [--follow] ... (vouch events --help)\n"
    "  vouch webhooks add|list|remove ... (vouch webhooks --help)\n"
    "  vouch claims list|show|check ... (vouch claims --help)\n"
    "  vouch config check [--config FILE] [serve flags]\n"
    "  vouch version\n"
    "\n"
    "--store URL: a PostgreSQL database (postgres://USER@HOST:PORT/DB or any libpq connection\n"
    "string; PG* variables fill in the rest) shared by every node of a fleet, instead of SQLite\n"
    "in --data. --store-connections: its pool per node (default 8). --lease: how long a node\n"
    "holds the checks and mail it took before another may take them (default 60s for checks,\n"
    "5m for mail). --store-cache: SES identities a node keeps in memory, forgotten when any\n"
    "node writes them (LISTEN/NOTIFY; another node's write reaches the cache milliseconds\n"
    "after its answer; default 0: off). --node-id: this node's name\n"
    "in /_vouch/health (default: random at each start).\n"
    "\n"
    "--config FILE (or VOUCH_CONFIG): a TOML file whose keys are serve's flags without --\n"
    "(listen = \"127.0.0.1:4566\", test-mode = true, dns-resolver = [\"127.0.0.1:53\"]);\n"
    "VOUCH_<FLAG> variables (VOUCH_DNS_RESOLVER, lists comma-separated) set them too.\n"
    "Flags win over the environment, which wins over the file; a list replaces a lower one's.\n"
    "Exit status: 2 for a usage or configuration error, 1 when the environment refuses\n"
    "(a port in use, a locked data directory, a database that does not answer).\n";

// Which malloc serves the process, for /_vouch/health: a build that lost
// jemalloc runs, but measurably slower.
std::string allocator_name() {
#ifdef VOUCH_JEMALLOC
  const char* version = nullptr;
  size_t size = sizeof(version);
  if (mallctl("version", &version, &size, nullptr, 0) == 0 && version) {
    return std::string("jemalloc ") + version;
  }
  return "jemalloc";
#else
  return "glibc";
#endif
}

// --- serve(), step by step ------------------------------------------------

// The options, checked; the warning an acknowledged public listener earns is printed.
core::Result<ServeOptions> serve_options(const std::vector<std::string>& args) {
  auto opt = parse_serve(args);
  if (!opt.ok()) {
    core::Error e = opt.error();
    e.message += std::string("\n") + kUsage;
    return e;
  }
  if (auto s = check_rate_limits(*opt, service::RateLimiter::operations()); !s.ok())
    return s.error();
  auto warning = check_public_listener(*opt);
  if (!warning.ok()) return warning.error();
  if (!warning->empty()) core::log(core::LogLevel::kWarn, "public_listener", *warning);
  return opt;
}

// Only with glibc's malloc (VOUCH_JEMALLOC off): glibc hands freed heap
// tops back to the kernel past 128 KiB by default; a server freeing and
// re-growing response buffers then page-faults on every request (+30% on
// 100-identity reads when kept, bench/RESULTS.md).
// Setting the trim threshold also freezes the mmap threshold at 128 KiB,
// so every larger block (a page of due claims, a batch of results) was
// mapped and unmapped each time: page faults and TLB shootdowns that cost
// a DNS sweep ~20% (bench/RESULTS.md). Blocks up to 32 MiB come from the heap.
void tune_malloc() {
#ifndef VOUCH_JEMALLOC
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
#endif
}

struct Storage {
  std::unique_ptr<store::DueNotifyingStore> store;
  bool has_claims = false;  // then a new secret key would void their links
  bool shared = false;      // --store: secrets and the test clock live in its settings
};

// The data directory's store, locked to this process, behind its caches; or
// with --store the shared database, with no lock, and with --store-cache
// behind an identity cache that follows every node's writes.
core::Result<Storage> open_storage(const ServeOptions& opt, ServeMetrics& metrics) {
  if (!opt.store_url.empty()) {
    auto shared = open_shared_store(opt.store_url, opt.store_connections, opt.store_cache);
    if (!shared.ok()) return shared.error();
    return Storage{std::make_unique<store::DueNotifyingStore>(metrics.store(std::move(*shared))),
                   false, true};
  }
  auto sqlite = open_data_dir_store(opt.data_dir, true);
  if (!sqlite.ok()) return sqlite.error();
  auto has_claims = (*sqlite)->has_claims();
  if (!has_claims.ok()) return has_claims.error();
  // The lock makes this process the only writer of its claims, so caching is safe.
  return Storage{
      std::make_unique<store::DueNotifyingStore>(metrics.store(
          std::make_unique<store::CachingStore>(std::move(*sqlite), opt.identity_cache))),
      *has_claims, false};
}

void print_retired(const std::vector<std::string>& retired, const std::string& current) {
  for (const auto& key : retired) {
    std::printf("vouch: the previous root access key %s no longer works (removed); the root access "
                "key is now %s\n",
                key.c_str(), current.c_str());
  }
}

void print_generated(const core::Account& root, const std::string& where) {
  std::printf("root access key id: %s\nroot secret access key: %s\nroot account id: %s\n",
              root.access_key_id.c_str(), root.secret_access_key.c_str(), root.account_id.c_str());
  std::printf("(stored in %s; shown only this once)\n", where.c_str());
}

// The fleet's: the first node to start generates what is missing, every
// other node gets the same from the store's settings.
core::Result<std::string> load_shared_secrets(const ServeOptions& opt, core::Store& store,
                                              core::Random& random) {
  auto root = shared_root(store, random);
  if (!root.ok()) return root.error();
  print_retired(root->retired, root->root.account.access_key_id);
  if (root->root.generated) {
    print_generated(root->root.account, "the settings of " + redact_store_url(opt.store_url));
  }
  return shared_secret_key(store, random);
}

// Puts the root account in the store (retiring the keys it replaced, showing
// a new one once) and returns the server's secret key.
core::Result<std::string> load_secrets(const ServeOptions& opt, core::Store& store,
                                       core::Random& random, const Storage& storage) {
  if (storage.shared) return load_shared_secrets(opt, store, random);
  auto root = load_root(opt.data_dir, random);
  if (!root.ok()) return root.error();
  if (auto s = store.put_account(root->account); !s.ok()) return s.error();
  auto retired = retire_replaced_roots(opt.data_dir, *root, store);
  if (!retired.ok()) return retired.error();
  print_retired(*retired, root->account.access_key_id);
  if (root->generated) print_generated(root->account, opt.data_dir + "/root-credentials");
  return load_secret_key(opt.data_dir, random, !storage.has_claims);
}

// Signatures and request rates always follow the real time; claims follow
// the domain clock, which test mode lets a test suite move.
struct Clocks {
  const core::Clock& domain() const { return test ? *test : static_cast<const core::Clock&>(wall); }
  core::SystemClock wall;
  // Test mode's: a ManualClock kept in the data dir, or the store's shared one.
  std::unique_ptr<core::MovableClock> test;
  bool kept_in_data_dir = false;  // then each move is written to DIR/test-clock
};

core::Result<std::unique_ptr<Clocks>> make_clocks(const ServeOptions& opt, Storage& storage) {
  auto clocks = std::make_unique<Clocks>();
  if (!opt.test_mode) return clocks;
  core::TimePoint start = core::SystemClock().now();
  if (storage.shared) {
    auto shared = SharedTestClock::open(*storage.store, start);
    if (!shared.ok()) return shared.error();
    clocks->test = std::move(*shared);
    return clocks;
  }
  {
    // Test mode's clock goes on across restarts from where the tests left it.
    auto saved = load_test_clock(opt.data_dir);
    if (!saved.ok()) return saved.error();
    if (*saved) {
      start = **saved;
    } else if (auto s = save_test_clock(opt.data_dir, start); !s.ok()) {
      return s.error();  // first start: the clock stands here until a test moves it
    }
  }
  clocks->test = std::make_unique<core::ManualClock>(start);
  clocks->kept_in_data_dir = true;
  return clocks;
}

// Test mode's clock once it exists (with a data dir only: a shared store's
// is read from the store, too slow for the DNS thread). The SOA cache then
// ages with it, so a test moving the clock past a zone's TTL sees it asked again.
std::atomic<const core::Clock*> soa_cache_clock{nullptr};

core::Result<std::unique_ptr<verify::dns::CaresResolver>> make_resolver(const ServeOptions& opt) {
  verify::dns::ResolverOptions options;
  options.servers = opt.dns_resolvers;
  options.soa_cache_max_age = opt.dns_soa_cache;
  if (opt.test_mode && opt.store_url.empty()) {
    options.soa_cache_clock = []() -> std::chrono::nanoseconds {
      if (const core::Clock* c = soa_cache_clock.load(std::memory_order_acquire)) {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(c->now().time_since_epoch());
      }
      return std::chrono::steady_clock::now().time_since_epoch();
    };
  }
  auto resolver = verify::dns::CaresResolver::create(options);
  if (!resolver.ok()) return resolver.error();
  // A quorum the perspectives cannot reach would be lowered to all of them
  // without a word: weaker than what was asked for.
  if (opt.dns_quorum > (*resolver)->perspectives()) {
    return core::invalid_argument(
        "--dns-quorum " + std::to_string(opt.dns_quorum) + " is more than the " +
        std::to_string((*resolver)->perspectives()) + " DNS resolver(s) to ask");
  }
  return resolver;
}

// On a shared store: how long a node holds what it took. A node that dies
// loses its leases after this; a check takes seconds, a send at worst minutes.
constexpr core::Seconds kCheckLease{60};
constexpr core::Seconds kMailLease{300};

// Due checks need only the store and the resolver: they start now, beside
// the ~20 ms of making the HTTP server's threads (test mode runs them on request).
std::unique_ptr<scheduler::Scheduler> start_checks(const ServeOptions& opt,
                                                   store::DueNotifyingStore& store,
                                                   core::DnsResolver& resolver,
                                                   const Clocks& clocks, ServeMetrics& metrics) {
  scheduler::SchedulerOptions options;
  metrics.count_checks(options);
  options.quorum = opt.dns_quorum;
  options.max_in_flight = opt.dns_concurrency;
  options.recheck_interval = opt.recheck_interval;
  options.auto_verify_suffixes = opt.auto_verify_suffixes;
  // Nodes sharing a store lease what they check: each due claim runs on one.
  if (!opt.store_url.empty()) options.lease_for = opt.lease.value_or(kCheckLease);
  auto checks = std::make_unique<scheduler::Scheduler>(store, resolver, clocks.domain(), options);
  if (!opt.test_mode) {
    // A new claim's first check is due at once: start it now, not at the next poll.
    store.on_due(clocks.domain(), [c = checks.get()] { c->wake(); });
    checks->start_background();
  }
  return checks;
}

// The files the options name, readable before anything starts.
core::Status check_files(const ServeOptions& opt) {
  // Else every send would fail on it, retried without end.
  if (!opt.smtp_url.empty() && !opt.smtp_ca_file.empty() &&
      ::access(opt.smtp_ca_file.c_str(), R_OK) != 0) {
    return core::invalid_argument("cannot read --smtp-ca-file " + opt.smtp_ca_file + ": " +
                                  std::strerror(errno));
  }
  return {};
}

// Without --smtp-url, no delivery: mail stays in the outbox.
struct Mail {
  std::unique_ptr<mail::SmtpMailer> mailer;
  std::unique_ptr<mail::MailDelivery> delivery;
};

core::Result<Mail> make_mail(const ServeOptions& opt, core::Store& store, const core::Clock& wall,
                             ServeMetrics& metrics) {
  Mail mail;
  if (opt.smtp_url.empty()) return mail;
  mail::SmtpOptions smtp{opt.smtp_url};
  smtp.starttls = opt.smtp_starttls;
  smtp.ca_file = opt.smtp_ca_file;
  mail.mailer = std::make_unique<mail::SmtpMailer>(smtp);
  mail::DeliveryOptions options;
  options.retention = opt.mail_retention;
  // One node sends each message.
  if (!opt.store_url.empty()) options.lease_for = opt.lease.value_or(kMailLease);
  mail.delivery = std::make_unique<mail::MailDelivery>(store, metrics.mailer(*mail.mailer), wall,
                                                       options);
  return mail;
}

// Mail is pruned by its delivery worker where there is one.
service::RetentionOptions retention_of(const ServeOptions& opt, const Mail& mail) {
  service::RetentionOptions r;
  r.events = opt.event_retention;
  r.history_keep = opt.history_keep;
  r.mail = mail.delivery ? core::Seconds(0) : opt.mail_retention;
  return r;
}

std::map<std::string, double> rates_of(const ServeOptions& opt) {
  auto rates = service::RateLimiter::aws_defaults();
  for (const auto& [op, rate] : opt.rate_limits) rates[op] = rate;
  return rates;
}

api::AuthSettings auth_settings_of(const ServeOptions& opt) {
  api::AuthSettings settings{opt.insecure_any_credentials};
  if (!opt.regions.empty()) settings.regions = core::RegionList(opt.regions);
  for (const auto& r : opt.extra_regions) settings.regions.add(r);
  return settings;
}

std::string public_url_of(const ServeOptions& opt) {
  if (!opt.public_url.empty()) return opt.public_url;
  return listen_url(opt.tls_cert.empty() ? "http" : "https", opt.host, opt.port);
}

// The services and the APIs over them, each member built on those above it.
struct Services {
  Services(const ServeOptions& opt, core::Store& store, Clocks& clocks, core::Random& random,
           const std::string& secret, scheduler::Scheduler& checks, core::DnsResolver& resolver,
           Mail& mail, const std::string& node_id)
      : links(secret),
        limiter(clocks.wall, rates_of(opt)),
        page_tokens(secret),
        identities(store, clocks.domain(), random, limiter, page_tokens,
                   service::IdentityOptions{opt.max_identities, 100, opt.auto_verify_suffixes}),
        templates(store, identities, limiter, page_tokens),
        accounts(store, clocks.wall),  // a changed or removed key counts within 2 s
        authenticator(accounts, clocks.wall, auth_settings_of(opt)),
        verifications(store, clocks.domain(), random, limiter, page_tokens),
        ses(identities, authenticator),
        sesv2(identities, authenticator),
        lattice(verifications, authenticator),
        claim_admin(store, checks, resolver),
        control(claim_admin, authenticator, clocks.test.get(), {&limiter, opt.dns_concurrency}),
        event_feed(store, page_tokens),
        events_api(event_feed, authenticator),
        retention(store, clocks.domain(), clocks.wall, retention_of(opt, mail)),
        webhooks(store, clocks.domain(), random),
        webhooks_api(webhooks, authenticator),
        router(ses, sesv2, lattice, control,
               {VOUCH_VERSION, store.name(), allocator_name(), node_id,
                [&store] { return store.ping(); }, !opt.tls_cert.empty()}),
        inbox(store),
        mail_api(identities, inbox, authenticator,
                 {opt.test_mode ? api::mail::InboxAccess::kOpen
                  : opt.inbox   ? api::mail::InboxAccess::kSigned
                                : api::mail::InboxAccess::kOff,
                  public_url_of(opt)}) {
    identities.enable_mail({opt.mail_from, public_url_of(opt), &links,
                            [&mail] {
                              if (mail.delivery) mail.delivery->wake();
                            },
                            &clocks.wall, opt.mail_cooldown});
    if (clocks.test) {
      control.on_clock_moved([this, dir = opt.data_dir, &clocks] {
        if (clocks.kept_in_data_dir) {
          std::lock_guard lock(clock_file);  // the last writer writes the latest time
          if (auto s = save_test_clock(dir, clocks.test->now()); !s.ok()) {
            core::log(core::LogLevel::kError, "test_clock",
                      "cannot keep the test clock for a restart: " + s.error().message);
          }
        }
        // A move past a retention shows at once, not at the next hourly pass.
        if (auto n = retention.prune_once(); !n.ok()) {
          core::log(core::LogLevel::kError, "retention_failed", n.error().message);
        }
      });
    }
    router.set_mail(&mail_api);
    router.set_events(&events_api);
    events_api.set_webhooks(&webhooks_api);
    ses.set_templates(&templates);
    sesv2.set_templates(&templates);
  }

  mail::LinkTokens links;
  service::RateLimiter limiter;
  service::PageTokens page_tokens;
  service::IdentityService identities;
  service::VerificationTemplates templates;
  service::Accounts accounts;
  api::Authenticator authenticator;
  service::LatticeService verifications;
  api::ses::SesApi ses;
  api::sesv2::SesV2Api sesv2;
  api::lattice::LatticeApi lattice;
  service::ClaimAdmin claim_admin;
  api::control::ControlApi control;
  service::EventFeed event_feed;
  api::control::EventsApi events_api;
  service::Retention retention;
  service::Webhooks webhooks;
  api::control::WebhooksApi webhooks_api;
  api::Router router;
  service::Inbox inbox;
  api::mail::MailApi mail_api;
  std::mutex clock_file;
};

struct Listener {
  std::unique_ptr<server::HttpServer> server;
  size_t max_connections = 0;
  size_t fd_limit = 0;
  int io_threads = 0;
  int cpus = 0;
};

// The HTTP server, bound. Connections get what the open-file limit leaves
// once the store, DNS (a socket per lookup and resolver at worst) and SMTP
// have theirs.
core::Result<Listener> make_listener(const ServeOptions& opt, api::Router& router,
                                     size_t perspectives, ServeMetrics& metrics,
                                     api::AccessLog* access_log) {
  server::ServerOptions options;
  options.host = opt.host;
  options.port = opt.port;
  // On --store one-subject reads are queued for a batched statement, not
  // waited for on the I/O thread; other reads still wait for the database
  // there, so two per CPU overlap those waits (2 cores, ×100 reads: 3.3k/s
  // at 4 threads, 2.7-3.0k at 2; more threads cost more wake-ups than they
  // overlap: ×1 reads 36k/s at 4, 28k at 8, 25k at 32; bench/RESULTS.md).
  const int cpus = server::usable_cpus();
  options.io_threads = opt.threads > 0 ? opt.threads : opt.store_url.empty() ? cpus : 2 * cpus;
  const size_t fd_limit = server::raise_fd_limit();
  const size_t budget = server::connection_budget(
      fd_limit, 256 + opt.dns_concurrency * perspectives, options.reserve_connections);
  if (opt.max_connections > budget || budget == 0) {
    return core::invalid_argument(
        "the open-file limit (" + std::to_string(fd_limit) + ") leaves room for " +
        std::to_string(budget) + " connections: raise it (ulimit -n), or lower " +
        (opt.max_connections > budget ? "--max-connections or " : "") + "--dns-concurrency");
  }
  options.max_connections = opt.max_connections ? opt.max_connections
                                                : std::min<size_t>(budget, 10000);
  options.max_connections_per_client = opt.max_connections_per_client;
  options.body_limit = api::Router::max_body_limit();
  options.route_body_limit = &api::Router::body_limit;
  options.reserve_route = &api::Router::is_health;
  if (!opt.tls_cert.empty()) {
    auto tls = server::TlsContexts::load(opt.tls_cert, opt.tls_key);
    if (!tls.ok()) return tls.error();
    options.tls = std::move(*tls);
  }
  Listener l{nullptr, options.max_connections, fd_limit, options.io_threads, cpus};
  http::Handler handler = metrics.handler([&router](http::Request& r) { return router.handle(r); });
  if (access_log) handler = access_log->wrap(std::move(handler));
  l.server = std::make_unique<server::HttpServer>(options, std::move(handler));
  if (auto s = l.server->bind(); !s.ok()) return listen_error(opt.host, opt.port, s.error());
  return l;
}

void announce(const ServeOptions& opt, const Listener& l,
              const verify::dns::CaresResolver& resolver, const scheduler::Scheduler& checks,
              const std::string& node_id) {
  if (opt.insecure_any_credentials) {
    core::log(core::LogLevel::kWarn, "insecure_credentials",
              "WARNING: --insecure-any-credentials is on: any access key is accepted "
              "WITHOUT checking signatures, as account 000000000000. Never use this outside "
              "local testing.");
  }
  std::string perspectives;
  for (const auto& r : resolver.servers()) perspectives += (perspectives.empty() ? "" : ", ") + r;
  const std::string store = opt.store_url.empty()
                                ? "sqlite at " + opt.data_dir + "/vouch.db"
                                : "postgres at " + redact_store_url(opt.store_url) + ", node " +
                                      node_id;
  const std::string url = listen_url(opt.tls_cert.empty() ? "http" : "https", opt.host,
                                     l.server->port());
  std::printf("vouch %s listening on %s (store: %s; DNS perspectives: %s; quorum %zu)\n",
              VOUCH_VERSION, url.c_str(), store.c_str(), perspectives.c_str(), checks.quorum());
}

void start_delivery(Mail& mail, core::Store& store) {
  if (mail.delivery) {
    mail.delivery->start();
  } else if (auto queued = store.count_queued_mail(); queued.ok() && *queued > 0) {
    core::log(core::LogLevel::kWarn, "mail_undeliverable",
              std::to_string(*queued) +
                  " verification message(s) in the outbox cannot be delivered: no --smtp-url",
              {{"queued", *queued}});
  }
}

void announce_limits(const ServeOptions& opt, const Listener& l) {
  std::printf(
      "vouch: up to %zu connections, %s per client (open-file limit %zu); %d I/O threads (%d "
      "usable CPUs)\n",
      l.max_connections,
      opt.max_connections_per_client ? std::to_string(opt.max_connections_per_client).c_str()
                                     : "any",
      l.fd_limit, l.io_threads, l.cpus);
  if (opt.test_mode) {
    std::printf(
        "vouch: test mode: the clock moves only on POST /_vouch/test/clock; checks run only on POST /_vouch/test/run-due-checks, webhook deliveries only on POST /_vouch/test/run-due-webhooks\n");
  }
  std::fflush(stdout);
}

// --node-id, or a random one: tells a fleet's nodes apart in /_vouch/health.
std::string node_id_of(const ServeOptions& opt, core::Random& random) {
  if (!opt.node_id.empty()) return opt.node_id;
  uint8_t bytes[6];
  random.fill(bytes);
  return core::hex_encode(bytes);
}

// A store's error at start, on one line, naming a shared store (password hidden).
core::Error store_error(const ServeOptions& opt, core::Error e) {
  if (!opt.store_url.empty())
    e.message = "store " + redact_store_url(opt.store_url) + ": " + one_line(e.message);
  return e;
}

// What `vouch config check` runs: every check of serve's that opens nothing.
core::Status check_serve_args(const std::vector<std::string>& all_args) {
  std::vector<std::string> args;
  auto logs = parse_log_options(all_args, &args);
  if (!logs.ok()) return logs.error();
  auto opt = serve_options(args);
  if (!opt.ok()) return opt.error();
  return {};
}

int serve(const std::vector<std::string>& command_line) {
  Settings settings;
  auto all_args = layered_serve_args(
      command_line, [](const char* name) { return std::getenv(name); }, &settings);
  if (!all_args.ok()) return fail(all_args.error().message);
  // A bad value from the file or environment is reported with where it came from.
  auto blamed = [&](const core::Error& e) {
    return blame_setting(settings, e, check_serve_args).message;
  };
  std::vector<std::string> args;
  auto logs = parse_log_options(*all_args, &args);
  if (!logs.ok()) return fail(blamed(logs.error()) + "\n" + kUsage);
  static const core::SystemClock log_clock;
  install_log(*logs, log_clock);
  http::set_internal_error_log([](std::string_view request_id, std::string_view line) {
    core::log(core::LogLevel::kError, "internal_error", line, {{"request_id", request_id}});
  });
  auto opt = serve_options(args);
  if (!opt.ok()) return fail(blamed(opt.error()));
  // What needs no disk comes first: a refusal then leaves nothing behind.
  if (auto s = check_files(*opt); !s.ok()) return fail_start(s.error());
  auto resolver = make_resolver(*opt);
  if (!resolver.ok()) return fail_start(resolver.error());
  tune_malloc();
  ServeMetrics metrics(*opt);
  auto storage = open_storage(*opt, metrics);
  if (!storage.ok()) {
    return fail_start(opt->store_url.empty() ? data_dir_error(opt->data_dir, storage.error())
                                             : storage.error());
  }
  store::DueNotifyingStore& store = *storage->store;
  crypto::OsRandom random;
  auto secret = load_secrets(*opt, store, random, *storage);
  if (!secret.ok()) return fail_start(store_error(*opt, secret.error()));
  const std::string node_id = node_id_of(*opt, random);
  auto clocks = make_clocks(*opt, *storage);
  if (!clocks.ok()) return fail_start(store_error(*opt, clocks.error()));
  if ((*clocks)->kept_in_data_dir) soa_cache_clock.store((*clocks)->test.get());
  // Gone before the clocks are (answers may still come in while serve unwinds).
  struct ForgetSoaCacheClock {
    ~ForgetSoaCacheClock() { soa_cache_clock.store(nullptr); }
  } forget_soa_cache_clock;
  core::DnsResolver& lookups = metrics.resolver(**resolver);
  auto hooks = make_webhook_delivery(*opt, store, (*clocks)->domain(), (*clocks)->wall, random,
                                     metrics.registry(), VOUCH_VERSION);
  // A change this node records is delivered now, not at the next poll (set
  // before the scheduler's threads share the store; other nodes' changes wait
  // for the poll).
  if (!opt->test_mode) store.on_change([w = hooks.worker.get()] { w->wake(); });
  auto checks = start_checks(*opt, store, lookups, **clocks, metrics);
  auto mail = make_mail(*opt, store, (*clocks)->wall, metrics);
  if (!mail.ok()) return fail_start(mail.error());
  Services services(*opt, store, **clocks, random, *secret, *checks, lookups, *mail, node_id);
  services.control.on_run_due_webhooks([w = hooks.worker.get()] { return w->run_due(); });
  std::optional<api::AccessLog> access_log;
  if (logs->access_log) {
    access_log.emplace(services.accounts, (*clocks)->wall, opt->insecure_any_credentials);
  }
  auto listener = make_listener(*opt, services.router, (*resolver)->perspectives(), metrics,
                                access_log ? &*access_log : nullptr);
  if (!listener.ok()) return fail_start(listener.error());
  metrics.watch(store, (*clocks)->domain(), *listener->server);
  auto metrics_port = metrics.listen();
  if (!metrics_port.ok()) return fail_start(metrics_port.error());
  if (*metrics_port) {
    std::printf("vouch: metrics on http://%s:%u/metrics\n", opt->metrics_host.c_str(),
                *metrics_port);
  }
  announce(*opt, *listener, **resolver, *checks, node_id);
  start_delivery(*mail, store);
  services.retention.start();
  announce_limits(*opt, *listener);
  listener->server->run(true);
  metrics.stop();
  std::printf("vouch stopped\n");
  return 0;
}

}  // namespace
}  // namespace vouch::cli

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  using vouch::cli::kUsage;
  if (args.empty()) return vouch::cli::fail(std::string("no command\n") + kUsage);
  const std::string cmd = args[0];
  if (cmd == "serve") return vouch::cli::serve({args.begin() + 1, args.end()});
  if (cmd == "account" && args.size() >= 2 && args[1] == "add") {
    return vouch::cli::account_add({args.begin() + 2, args.end()}, kUsage);
  }
  if (cmd == "account" && args.size() >= 2 && args[1] == "remove") {
    return vouch::cli::account_remove({args.begin() + 2, args.end()}, kUsage);
  }
  if (cmd == "account" && args.size() >= 2 && args[1] == "list") {
    return vouch::cli::account_list({args.begin() + 2, args.end()}, kUsage);
  }
  if (cmd == "store" && args.size() >= 2 && args[1] == "copy") {
    return vouch::cli::store_copy({args.begin() + 2, args.end()}, kUsage);
  }
  if (cmd == "config" && args.size() >= 2 && args[1] == "check") {
    return vouch::cli::config_check(
        {args.begin() + 2, args.end()}, [](const char* name) { return std::getenv(name); },
        vouch::cli::check_serve_args);
  }
  if (cmd == "claims") return vouch::cli::claims_main({args.begin() + 1, args.end()});
  if (cmd == "events") return vouch::cli::events_main({args.begin() + 1, args.end()});
  if (cmd == "webhooks") return vouch::cli::webhooks_main({args.begin() + 1, args.end()});
  if (cmd == "version" || cmd == "--version") {
    std::printf("vouch %s\n", VOUCH_VERSION);
    return 0;
  }
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    std::printf("%s", kUsage);
    return 0;
  }
  return vouch::cli::fail("unknown command '" + cmd + "'\n" + kUsage);
}
