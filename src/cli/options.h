// Command-line parsing for `vouch serve` and `vouch account add|remove|list`.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "mail/smtp_mailer.h"

namespace vouch::cli {

struct ServeOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 4566;
  // --metrics-listen: GET /metrics only there (not on --listen) when set.
  std::string metrics_host;
  unsigned short metrics_port = 0;
  std::string data_dir = "./vouch-data";
  int threads = 0;                            // 0: usable CPUs (server/cpus.h)
  std::map<std::string, double> rate_limits;  // overrides of AWS's defaults
  bool insecure_any_credentials = false;
  size_t max_identities = 10000;
  std::vector<std::string> dns_resolvers;   // HOST:PORT; empty: the system's
  size_t dns_quorum = 0;                    // 0: the CA/B table
  size_t dns_concurrency = 128;             // lookups in flight at once
  std::chrono::seconds dns_soa_cache{300};  // longest a zone's SOA is reused; 0: off
  std::chrono::seconds recheck_interval{24 * 3600};
  bool test_mode = false;
  // --auto-verify-suffix (test mode only): normalised, see core::auto_verify_suffix.
  std::vector<std::string> auto_verify_suffixes;
  std::string smtp_url;  // empty: mail stays in the outbox
  // --smtp-starttls; when not given: required for a URL with credentials,
  // else opportunistic. off or opportunistic with credentials is refused.
  mail::StartTls smtp_starttls = mail::StartTls::kOpportunistic;
  std::string smtp_ca_file;  // empty: the system's CAs verify the SMTP server
  std::string mail_from = "no-reply@vouch.localhost";
  std::string public_url;  // empty: http://<listen>, or https:// with TLS
  // --tls-cert, --tls-key: PEM files; HTTPS on --listen (both or neither).
  std::string tls_cert, tls_key;
  bool inbox = false;
  bool webhook_allow_private = false;      // webhooks may POST to loopback and private addresses
  size_t identity_cache = 16384;           // SES identities kept in memory (x2 generations); 0: off
  std::vector<std::string> regions;        // --regions: replaces AWS's Regions; empty: AWS's
  std::vector<std::string> extra_regions;  // --region, added to either
  size_t max_connections = 0;              // 0: from the open-file limit, at most 10000
  size_t max_connections_per_client = 256;          // per IPv4 address or IPv6 /64; 0: no cap
  std::chrono::seconds mail_cooldown{300};          // per recipient and identity scope; 0: off
  std::chrono::seconds mail_retention{7 * 86400};   // sent/failed mail kept this long
  std::chrono::seconds event_retention{7 * 86400};  // status-change events kept this long
  size_t history_keep = 100;                        // status changes kept per claim; 0: all
  bool public_ack = false;                          // --i-know-this-is-public
  // --store: a PostgreSQL URL or libpq connection string; empty: SQLite in
  // data_dir. With it the node keeps nothing on disk (--data is refused).
  std::string store_url;
  size_t store_connections = 8;  // --store-connections: the pool's size
  // --store-cache: with --store, SES identities kept in memory (x2
  // generations), told of other nodes' writes by LISTEN/NOTIFY; 0: off.
  size_t store_cache = 0;
  std::string node_id;  // --node-id; empty: random per process
  // --lease: with --store, how long a node holds the due checks and mail it
  // took; unset: 60 s for checks, 5 min for mail (a send may take minutes).
  std::optional<std::chrono::seconds> lease;
};

struct AccountAddOptions {
  std::string data_dir = "./vouch-data";
  std::string store_url;  // --store, instead of --data
  std::string account_id, access_key_id, secret_access_key;
};

// `vouch account remove` (access_key_id required) and `vouch account list`.
struct AccountKeyOptions {
  std::string data_dir = "./vouch-data";
  std::string store_url;  // --store, instead of --data
  std::string access_key_id;
};

// `vouch store copy --from DIR --to URL`.
struct StoreCopyOptions {
  std::string from_dir;
  std::string to_url;
};

// Bad input is kInvalidArgument, its message the text to show.
core::Result<ServeOptions> parse_serve(const std::vector<std::string>& args);
core::Result<AccountAddOptions> parse_account_add(const std::vector<std::string>& args);
core::Result<AccountKeyOptions> parse_account_remove(const std::vector<std::string>& args);
core::Result<AccountKeyOptions> parse_account_list(const std::vector<std::string>& args);
core::Result<StoreCopyOptions> parse_store_copy(const std::vector<std::string>& args);

struct HostPort {
  std::string host;  // without IPv6 brackets
  unsigned short port = 0;
};
core::Result<HostPort> parse_host_port(const std::string& text);
// "https://127.0.0.1:4566", "http://[::1]:4566": a listener's URL.
std::string listen_url(const std::string& scheme, const std::string& host, unsigned short port);

// "90", "90s", "15m", "24h", "2d" -> seconds; nullopt if malformed or zero.
std::optional<std::chrono::seconds> parse_duration(const std::string& text);

// Checks after parsing: an error says why vouch must not start.
// Every --rate-limit names one of `served` (the operations vouch throttles).
core::Status check_rate_limits(const ServeOptions& opt, const std::vector<std::string>& served);
// Test mode, the open inbox and any-credentials on a non-loopback listener
// need --i-know-this-is-public; when allowed, returns the warning to print ("" if none).
core::Result<std::string> check_public_listener(const ServeOptions& opt);
bool is_loopback_host(const std::string& host);

bool valid_account_id(const std::string& id);
// --node-id: 1-64 letters, digits, '.', '_' or '-' (it goes into logs and JSON).
bool valid_node_id(const std::string& id);
bool valid_access_key_id(const std::string& key);

}  // namespace vouch::cli
