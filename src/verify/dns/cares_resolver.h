// DnsResolver (TXT and CNAME) on c-ares: one channel per perspective (resolver address), all
// driven by one event-loop thread, so thousands of lookups run concurrently
// without a thread each. Retries happen on timeouts only: SERVFAIL, REFUSED
// and NXDOMAIN are answers, returned as they come. Truncated UDP answers are
// retried over TCP by c-ares.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/evidence.h"

namespace vouch::verify::dns {

struct ResolverOptions {
  std::vector<std::string> servers;         // "HOST:PORT"; empty: the system's resolvers
  std::chrono::milliseconds timeout{2000};  // per try
  int tries = 2;                            // attempts on timeout
  // Queries sent from one source port: each turn of the event loop sends a
  // resolver's new queries from fresh ports (see BatchedUdp), this many per
  // port at most. A lone query gets a port of its own; under a sweep's load
  // 16 share one, each port sending once: a port per query halved the checks
  // per second (bench/dns/run.sh), 16 cost nothing measurable.
  size_t queries_per_port = 16;
  // The SOA shown after a positive answer comes from a per-perspective cache
  // of zones (soa_cache.h): an entry lives min(its TTL, this); 0: ask each time.
  std::chrono::seconds soa_cache_max_age{300};
  size_t soa_cache_entries = 65536;
  // The cache's monotonic time; empty: steady_clock (test mode passes its clock).
  std::function<std::chrono::nanoseconds()> soa_cache_clock;
};

class CaresResolver final : public core::DnsResolver {
 public:
  // kInvalidArgument for a server that is not HOST:PORT; kInternal if
  // c-ares cannot be set up.
  static core::Result<std::unique_ptr<CaresResolver>> create(const ResolverOptions& options);
  ~CaresResolver() override;

  void lookup(const std::string& name, core::RecordType type,
              std::function<void(std::vector<core::DnsAnswer>)> done) override;
  size_t perspectives() const override;
  // The resolvers in use, as "HOST:PORT".
  std::vector<std::string> servers() const;

 private:
  struct Impl;
  explicit CaresResolver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vouch::verify::dns
