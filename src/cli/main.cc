// vouch's composition root: the only place that names concrete classes.
#include <malloc.h>
#ifdef VOUCH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/authn.h"
#include "api/control/control_api.h"
#include "api/lattice/lattice_api.h"
#include "api/mail/mail_api.h"
#include "api/router.h"
#include "api/ses/ses_api.h"
#include "cli/data_dir.h"
#include "cli/options.h"
#include "cli/root_keys.h"
#include "core/clock.h"
#include "crypto/crypto.h"
#include "server/http_server.h"
#include "service/accounts.h"
#include "service/claim_admin.h"
#include "service/identity_service.h"
#include "service/inbox.h"
#include "service/lattice_service.h"
#include "service/page_token.h"
#include "service/rate_limiter.h"
#include "scheduler/mail_delivery.h"
#include "scheduler/scheduler.h"
#include "service/link_token.h"
#include "verify/mail/smtp_mailer.h"
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
    "  vouch serve [--listen HOST:PORT] [--data DIR] [--threads N] [--rate-limit OPERATION=N]...\n"
    "              [--insecure-any-credentials] [--max-identities N] [--dns-resolver HOST:PORT]...\n"
    "              [--dns-quorum N] [--dns-concurrency N] [--recheck-interval DURATION] [--test-mode] [--inbox]\n"
    "              [--smtp-url smtp[s]://[user:pass@]HOST:PORT] [--smtp-starttls required|opportunistic|off]\n"
    "              [--smtp-ca-file PEM] [--mail-from ADDRESS] [--public-url URL]\n"
    "              [--identity-cache N] [--max-connections N] [--max-connections-per-client N]\n"
    "              [--mail-cooldown DURATION] [--mail-retention DURATION] [--i-know-this-is-public]\n"
    "              [--region NAME]... [--regions A,B,...]\n"
    "  vouch account add --data DIR --account-id ID --access-key-id K --secret-access-key S\n"
    "  vouch account remove --data DIR --access-key-id K\n"
    "  vouch account list --data DIR\n"
    "  vouch version\n";

int fail(const std::string& message) {
  std::fprintf(stderr, "vouch: %s\n", message.c_str());
  return 2;
}

// `exclusive`: the server's open, which holds the data directory's lock.
core::Result<std::unique_ptr<store::sqlite::SqliteStore>> open_store(const std::string& dir,
                                                                     bool exclusive) {
  // The database holds secret access keys: its files (and WAL) are the
  // owner's alone, like the data directory itself.
  ::umask(077);
  if (auto e = ensure_data_dir(dir); !e.empty()) return core::internal_error(e);
  if (exclusive) {
    if (auto e = lock_data_dir(dir); !e.empty()) return core::internal_error(e);
  }
  return store::sqlite::SqliteStore::open(dir + "/vouch.db");
}

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

int serve(const std::vector<std::string>& args) {
  ServeOptions opt;
  if (auto e = parse_serve(args, &opt); !e.empty()) return fail(e + "\n" + kUsage);
  if (auto e = check_rate_limits(opt, service::RateLimiter::operations()); !e.empty()) return fail(e);
  std::string public_warning;
  if (auto e = check_public_listener(opt, &public_warning); !e.empty()) return fail(e);
  if (!public_warning.empty()) std::fprintf(stderr, "vouch: %s\n", public_warning.c_str());
  // Only with glibc's malloc (VOUCH_JEMALLOC off): glibc hands freed heap
  // tops back to the kernel past 128 KiB by default; a server freeing and
  // re-growing response buffers then page-faults on every request (+30% on
  // 100-identity reads when kept, bench/RESULTS.md).
  // Setting the trim threshold also freezes the mmap threshold at 128 KiB,
  // so every larger block (a page of due claims, a batch of results) was
  // mapped and unmapped each time: page faults and TLB shootdowns that cost
  // a DNS sweep ~20% (bench/RESULTS.md). Blocks up to 32 MiB come from the heap.
#ifndef VOUCH_JEMALLOC
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
#endif
  auto sqlite = open_store(opt.data_dir, true);
  if (!sqlite.ok()) return fail(sqlite.error().message);
  auto has_claims = (*sqlite)->has_claims();  // then a new secret key would void their links
  if (!has_claims.ok()) return fail(has_claims.error().message);
  // The lock makes this process the only writer of its claims, so caching is safe.
  store::DueNotifyingStore due_store(
      std::make_unique<store::CachingStore>(std::move(*sqlite), opt.identity_cache));
  core::Store* store = &due_store;
  crypto::OsRandom random;
  std::string error;
  auto root = load_root(opt.data_dir, random, &error);
  if (!root) return fail(error);
  if (auto s = store->put_account(root->account); !s.ok()) return fail(s.error().message);
  auto retired = retire_replaced_roots(opt.data_dir, *root, *store, &error);
  if (!retired) return fail(error);
  for (const auto& key : *retired) {
    std::printf("vouch: the previous root access key %s no longer works (removed); the root access "
                "key is now %s\n", key.c_str(), root->account.access_key_id.c_str());
  }
  if (root->generated) {
    std::printf("root access key id: %s\nroot secret access key: %s\nroot account id: %s\n",
                root->account.access_key_id.c_str(), root->account.secret_access_key.c_str(),
                root->account.account_id.c_str());
    std::printf("(stored in %s/root-credentials; shown only this once)\n", opt.data_dir.c_str());
  }
  auto secret = load_secret_key(opt.data_dir, random, !*has_claims, &error);
  if (!secret) return fail(error);

  // Signatures and request rates always follow the real time; claims follow
  // the domain clock, which test mode lets a test suite move.
  core::SystemClock wall;
  // Test mode's clock goes on across restarts from where the tests left it.
  std::optional<core::TimePoint> saved_clock;
  if (opt.test_mode) {
    std::string clock_error;
    saved_clock = load_test_clock(opt.data_dir, &clock_error);
    if (!clock_error.empty()) return fail(clock_error);
    if (!saved_clock) {  // first start: the clock stands here until a test moves it
      saved_clock = wall.now();
      if (!save_test_clock(opt.data_dir, *saved_clock, &clock_error)) return fail(clock_error);
    }
  }
  core::ManualClock test_clock(saved_clock.value_or(wall.now()));
  const core::Clock& clock = opt.test_mode ? static_cast<const core::Clock&>(test_clock) : wall;

  verify::dns::ResolverOptions resolver_options;
  resolver_options.servers = opt.dns_resolvers;
  auto resolver = verify::dns::CaresResolver::create(resolver_options, &error);
  if (!resolver) return fail(error);
  // A quorum the perspectives cannot reach would be lowered to all of them
  // without a word: weaker than what was asked for.
  if (opt.dns_quorum > resolver->perspectives()) {
    return fail("--dns-quorum " + std::to_string(opt.dns_quorum) + " is more than the " +
                std::to_string(resolver->perspectives()) + " DNS resolver(s) to ask");
  }
  scheduler::SchedulerOptions scheduler_options;
  scheduler_options.quorum = opt.dns_quorum;
  scheduler_options.max_in_flight = opt.dns_concurrency;
  scheduler_options.recheck_interval = opt.recheck_interval;
  scheduler::Scheduler checks(*store, *resolver, clock, scheduler_options);
  // Due checks need only the store and the resolver: start them now, beside
  // the ~20 ms of making the HTTP server's threads (test mode runs them on request).
  if (!opt.test_mode) {
    // A new claim's first check is due at once: start it now, not at the next poll.
    due_store.on_due(clock, [&checks] { checks.wake(); });
    checks.start_background();
  }

  std::unique_ptr<verify::mail::SmtpMailer> mailer;
  std::unique_ptr<scheduler::MailDelivery> delivery;
  if (!opt.smtp_url.empty()) {
    // Else every send would fail on it, retried without end.
    if (!opt.smtp_ca_file.empty() && ::access(opt.smtp_ca_file.c_str(), R_OK) != 0) {
      return fail("cannot read --smtp-ca-file " + opt.smtp_ca_file + ": " + std::strerror(errno));
    }
    verify::mail::SmtpOptions smtp{opt.smtp_url};
    smtp.starttls = opt.smtp_starttls;
    smtp.ca_file = opt.smtp_ca_file;
    mailer = std::make_unique<verify::mail::SmtpMailer>(smtp);
    scheduler::DeliveryOptions delivery_options;
    delivery_options.retention = opt.mail_retention;
    delivery = std::make_unique<scheduler::MailDelivery>(*store, *mailer, wall, delivery_options);
  }
  service::LinkTokens links(*secret);

  auto rates = service::RateLimiter::aws_defaults();
  for (const auto& [op, rate] : opt.rate_limits) rates[op] = rate;
  service::RateLimiter limiter(wall, rates);
  service::PageTokens page_tokens(*secret);
  service::IdentityOptions identity_options;
  identity_options.max_identities = opt.max_identities;
  service::IdentityService identities(*store, clock, random, limiter, page_tokens,
                                      identity_options);
  const std::string public_url =
      opt.public_url.empty() ? "http://" + opt.host + ":" + std::to_string(opt.port) : opt.public_url;
  identities.enable_mail({opt.mail_from, public_url, &links,
                          [&delivery] {
                            if (delivery) delivery->wake();
                          },
                          &wall, opt.mail_cooldown});
  service::Accounts accounts(*store, wall);  // a changed or removed key counts within 2 s
  api::AuthSettings auth_settings{opt.insecure_any_credentials};
  if (!opt.regions.empty()) auth_settings.regions = core::RegionList(opt.regions);
  for (const auto& r : opt.extra_regions) auth_settings.regions.add(r);
  api::Authenticator authenticator(accounts, wall, std::move(auth_settings));
  service::LatticeService verifications(*store, clock, random, limiter, page_tokens);
  api::ses::SesApi ses(identities, authenticator);
  api::lattice::LatticeApi lattice(verifications, authenticator);
  service::ClaimAdmin claim_admin(*store, checks, *resolver);
  api::control::ControlApi control(claim_admin, authenticator, opt.test_mode ? &test_clock : nullptr,
                                   {&limiter, opt.dns_concurrency});
  std::mutex clock_file;
  control.on_clock_moved([&] {
    std::lock_guard lock(clock_file);  // the last writer writes the latest time
    std::string why;
    if (!save_test_clock(opt.data_dir, test_clock.now(), &why)) {
      std::fprintf(stderr, "vouch: cannot keep the test clock for a restart: %s\n", why.c_str());
    }
  });
  api::Router router(ses, lattice, control, {VOUCH_VERSION, store->name(), allocator_name()});
  service::Inbox inbox(*store);
  api::mail::MailApi mail_api(identities, inbox, authenticator,
                              {opt.test_mode ? api::mail::InboxAccess::kOpen
                               : opt.inbox   ? api::mail::InboxAccess::kSigned
                                             : api::mail::InboxAccess::kOff,
                               public_url});
  router.set_mail(&mail_api);

  server::ServerOptions server_options;
  server_options.host = opt.host;
  server_options.port = opt.port;
  server_options.io_threads = opt.threads;
  // Connections get what the open-file limit leaves once the store, DNS
  // (a socket per lookup and resolver at worst) and SMTP have theirs.
  const size_t fd_limit = server::raise_fd_limit();
  const size_t budget = server::connection_budget(
      fd_limit, 256 + opt.dns_concurrency * resolver->perspectives(),
      server_options.reserve_connections);
  if (opt.max_connections > budget || budget == 0) {
    return fail("the open-file limit (" + std::to_string(fd_limit) + ") leaves room for " +
                std::to_string(budget) + " connections: raise it (ulimit -n), or lower " +
                (opt.max_connections > budget ? "--max-connections or " : "") + "--dns-concurrency");
  }
  server_options.max_connections = opt.max_connections ? opt.max_connections : std::min<size_t>(budget, 10000);
  server_options.max_connections_per_client = opt.max_connections_per_client;
  server_options.body_limit = api::Router::max_body_limit();
  server_options.route_body_limit = &api::Router::body_limit;
  server_options.reserve_route = &api::Router::is_health;
  server::HttpServer server(server_options, [&router](http::Request& r) { return router.handle(r); });
  if (auto e = server.bind(); !e.empty()) return fail(e);
  if (opt.insecure_any_credentials) {
    std::fprintf(stderr,
                 "vouch: WARNING: --insecure-any-credentials is on: any access key is accepted "
                 "WITHOUT checking signatures, as account 000000000000. Never use this outside "
                 "local testing.\n");
  }
  std::string perspectives;
  for (const auto& r : resolver->servers()) perspectives += (perspectives.empty() ? "" : ", ") + r;
  std::printf("vouch %s listening on http://%s:%u (store: sqlite at %s/vouch.db; DNS perspectives: %s; quorum %zu)\n",
              VOUCH_VERSION, opt.host.c_str(), server.port(), opt.data_dir.c_str(),
              perspectives.c_str(), checks.quorum());
  if (delivery) {
    delivery->start();
  } else if (auto queued = store->count_queued_mail(); queued.ok() && *queued > 0) {
    std::fprintf(stderr, "vouch: %zu verification message(s) in the outbox cannot be delivered: no --smtp-url\n",
                 *queued);
  }
  std::printf("vouch: up to %zu connections, %s per client (open-file limit %zu)\n",
              server_options.max_connections,
              opt.max_connections_per_client ? std::to_string(opt.max_connections_per_client).c_str() : "any",
              fd_limit);
  if (opt.test_mode) {
    std::printf("vouch: test mode: the clock moves only on POST /_vouch/test/clock; checks run only on POST /_vouch/test/run-due-checks\n");
  }
  std::fflush(stdout);
  server.run(true);
  std::printf("vouch stopped\n");
  return 0;
}

int account_add(const std::vector<std::string>& args) {
  AccountAddOptions opt;
  if (auto e = parse_account_add(args, &opt); !e.empty()) return fail(e + "\n" + kUsage);
  auto store = open_store(opt.data_dir, false);  // beside a running server
  if (!store.ok()) return fail(store.error().message);
  core::Account account{opt.account_id, opt.access_key_id, opt.secret_access_key};
  if (auto s = (*store)->put_account(account); !s.ok()) return fail(s.error().message);
  std::printf("added access key %s for account %s\n", opt.access_key_id.c_str(),
              opt.account_id.c_str());
  return 0;
}

int account_remove(const std::vector<std::string>& args) {
  AccountKeyOptions opt;
  if (auto e = parse_account_remove(args, &opt); !e.empty()) return fail(e + "\n" + kUsage);
  // The server puts its root back at every start: removing it would not last.
  if (is_root_key(opt.data_dir, opt.access_key_id)) {
    return fail(opt.access_key_id + " is the root access key: set VOUCH_ROOT_* to another key and "
                "restart the server, which removes this one");
  }
  auto store = open_store(opt.data_dir, false);  // beside a running server
  if (!store.ok()) return fail(store.error().message);
  auto deleted = (*store)->delete_account(opt.access_key_id);
  if (!deleted.ok()) return fail(deleted.error().message);
  if (!*deleted) return fail("no access key " + opt.access_key_id + " in " + opt.data_dir);
  std::printf("removed access key %s (a running server refuses it within seconds)\n",
              opt.access_key_id.c_str());
  return 0;
}

// A few characters, so that an operator can tell secrets apart, never enough to use.
std::string mask(const std::string& secret) {
  return (secret.size() >= 16 ? secret.substr(0, 4) : std::string()) + "****";
}

int account_list(const std::vector<std::string>& args) {
  AccountKeyOptions opt;
  if (auto e = parse_account_list(args, &opt); !e.empty()) return fail(e + "\n" + kUsage);
  auto store = open_store(opt.data_dir, false);
  if (!store.ok()) return fail(store.error().message);
  auto accounts = (*store)->list_accounts();
  if (!accounts.ok()) return fail(accounts.error().message);
  std::printf("%-24s %-12s %s\n", "ACCESS KEY ID", "ACCOUNT ID", "SECRET");
  for (const auto& a : *accounts) {
    std::printf("%-24s %-12s %s%s\n", a.access_key_id.c_str(), a.account_id.c_str(),
                mask(a.secret_access_key).c_str(),
                is_root_key(opt.data_dir, a.access_key_id) ? "  (root)" : "");
  }
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
    return vouch::cli::account_add({args.begin() + 2, args.end()});
  }
  if (cmd == "account" && args.size() >= 2 && args[1] == "remove") {
    return vouch::cli::account_remove({args.begin() + 2, args.end()});
  }
  if (cmd == "account" && args.size() >= 2 && args[1] == "list") {
    return vouch::cli::account_list({args.begin() + 2, args.end()});
  }
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
