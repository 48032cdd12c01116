// Seeds SES domain identities for bench/run.sh through vouch's real write
// path minus HTTP: IdentityService::verify_domain (normalisation, token and
// id generation, the status machine) into SqliteStore, whose group-commit
// writer batches the concurrent inserts into shared transactions.
//
//   seed_identities --data DIR --account ID [--region R] --count N
//                   [--prefix P] [--suffix S] [--start I] [--threads T]
//                   [--mail-from LABEL] [--checked]
//
// Domains are P<i>S for i in [I, I+N) (S defaults to .example.com), as
// bench/sign_request names them. With --mail-from, each domain also gets
// Easy DKIM (VerifyDomainDkim: three CNAME claims) and the MAIL FROM domain
// LABEL.<domain> (an MX and an SPF claim): six claims per domain. With
// --checked, each domain gets Easy DKIM and one recorded check of the domain
// and each DKIM record (still pending: three resolvers' evidence, one saw a
// wrong value), so that GetEmailIdentity reads four evidences. Run it while
// no vouch serves DIR.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/evidence_json.h"
#include "crypto/crypto.h"
#include "service/identity_service.h"
#include "service/page_token.h"
#include "service/rate_limiter.h"
#include "store/sqlite/sqlite_store.h"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: seed_identities --data DIR --account ID [--region R] --count N\n"
               "                       [--prefix P] [--suffix S] [--start I] [--threads T]\n"
               "                       [--mail-from LABEL] [--checked]\n");
  return 2;
}

// A check's evidence for `c` as the scheduler records it: not found yet.
std::string pending_evidence(const vouch::core::Claim& c, vouch::core::TimePoint at) {
  using vouch::core::PerspectiveEvidence;
  vouch::core::Evidence e;
  e.at = at;
  e.record_name = c.record_name;
  e.expected = c.token;
  e.quorum = 2;
  e.outcome = vouch::core::CheckOutcome::kAbsent;
  e.perspectives = {{"10.0.0.1:53", PerspectiveEvidence::Result::kAbsent, {}, "NXDOMAIN"},
                    {"10.0.0.2:53", PerspectiveEvidence::Result::kAbsent, {}, "NXDOMAIN"},
                    {"10.0.0.3:53", PerspectiveEvidence::Result::kWrong, {"v=old-token"}, ""}};
  e.soa = vouch::core::Soa{"ns1.example.com", "hostmaster.example.com", 2026120401};
  return vouch::core::evidence_text(e);
}

// Records one check of the domain's identity and of each of its DKIM records.
vouch::core::Status record_checks(vouch::core::Store& store, const vouch::core::Scope& scope,
                                  const std::string& domain, vouch::core::TimePoint at) {
  auto identity = store.find_identity(scope, domain);
  if (!identity.ok()) return identity.error();
  if (!*identity) return vouch::core::not_found("no identity " + domain);
  auto claims = store.find_claims(scope, vouch::core::ClaimKind::kSesDkim, {domain});
  if (!claims.ok()) return claims.error();
  claims->push_back(**identity);
  for (auto c : *claims) {
    c.attempts += 1;
    if (auto r = store.record_check(c, pending_evidence(c, at), std::nullopt); !r.ok()) {
      return r.error();
    }
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir, account, region = "us-east-1", prefix = "bench-", suffix = ".example.com";
  std::string mail_from;
  bool checked = false;
  long count = 0, start = 0;
  int threads = 64;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--checked") {
      checked = true;
      continue;
    }
    if (i + 1 >= argc) return usage();
    std::string v = argv[++i];
    if (a == "--data") dir = v;
    else if (a == "--account") account = v;
    else if (a == "--region") region = v;
    else if (a == "--prefix") prefix = v;
    else if (a == "--suffix") suffix = v;
    else if (a == "--count") count = std::atol(v.c_str());
    else if (a == "--start") start = std::atol(v.c_str());
    else if (a == "--threads") threads = std::atoi(v.c_str());
    else if (a == "--mail-from") mail_from = v;
    else return usage();
  }
  if (dir.empty() || account.empty() || count <= 0 || threads < 1) return usage();
  ::mkdir(dir.c_str(), 0700);
  auto store = vouch::store::sqlite::SqliteStore::open(dir + "/vouch.db");
  if (!store.ok()) {
    std::fprintf(stderr, "seed_identities: %s\n", store.error().message.c_str());
    return 1;
  }

  vouch::core::SystemClock clock;
  vouch::crypto::OsRandom random;
  // The server's secret key, as `vouch serve` would have made it on an empty
  // directory: a store holding claims without one is refused (their links
  // would die).
  if (const std::string key_path = dir + "/secret.key"; ::access(key_path.c_str(), F_OK) != 0) {
    std::string key(32, '\0');
    random.fill(std::span(reinterpret_cast<uint8_t*>(key.data()), key.size()));
    FILE* f = std::fopen(key_path.c_str(), "wb");
    if (!f || std::fwrite(key.data(), 1, key.size(), f) != key.size() || std::fclose(f) != 0) {
      std::fprintf(stderr, "seed_identities: cannot write %s\n", key_path.c_str());
      return 1;
    }
    ::chmod(key_path.c_str(), 0600);
  }
  vouch::service::RateLimiter limiter(clock, {});  // no limits
  vouch::service::PageTokens page_tokens("seed");
  vouch::service::IdentityOptions options;
  options.max_identities = 0;
  vouch::service::IdentityService identities(**store, clock, random, limiter, page_tokens, options);
  const vouch::core::Scope scope{account, region};

  std::atomic<long> next{0};
  std::atomic<long> failed{0};
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      auto fail = [&](const vouch::core::Error& e) {
        if (failed.fetch_add(1) < 5)
          std::fprintf(stderr, "seed_identities: %s\n", e.message.c_str());
      };
      for (long i; (i = next.fetch_add(1)) < count;) {
        const std::string domain = prefix + std::to_string(start + i) + suffix;
        auto r = identities.verify_domain(scope, domain);
        if (!r.ok()) {
          fail(r.error());
          continue;
        }
        if (checked) {
          if (auto d = identities.verify_domain_dkim(scope, domain); !d.ok()) fail(d.error());
          if (auto c = record_checks(**store, scope, domain, clock.now()); !c.ok()) fail(c.error());
        }
        if (mail_from.empty()) continue;
        if (auto d = identities.verify_domain_dkim(scope, domain); !d.ok()) fail(d.error());
        if (auto m = identities.set_mail_from(scope, domain, mail_from + "." + domain, false,
                                              "SetIdentityMailFromDomain");
            !m.ok()) {
          fail(m.error());
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("seeded %ld identities in %.1f s (%.0f/s), %ld failed\n", count, secs, count / secs,
              failed.load());
  return failed.load() == 0 ? 0 : 1;
}
