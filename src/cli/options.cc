#include "cli/options.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "cli/serve_flags.h"
#include "core/auto_verify.h"
#include "core/regions.h"

namespace vouch::cli {

namespace {

core::Error bad(std::string text) { return core::invalid_argument(std::move(text)); }

// Walks `--flag value` pairs; `flag=value` is accepted too.
class Args {
 public:
  explicit Args(const std::vector<std::string>& a) : a_(a) {}
  bool next(std::string* flag) {
    if (i_ >= a_.size()) return false;
    *flag = a_[i_++];
    inline_value_.reset();
    if (auto eq = flag->find('='); flag->rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value_ = flag->substr(eq + 1);
      flag->resize(eq);
    }
    return true;
  }
  // Whether the current flag came as `--flag=value`.
  bool has_inline_value() const { return inline_value_.has_value(); }
  bool value(std::string* v) {
    if (inline_value_) {
      *v = *inline_value_;
      inline_value_.reset();
      return true;
    }
    if (i_ >= a_.size()) return false;
    *v = a_[i_++];
    return true;
  }

 private:
  const std::vector<std::string>& a_;
  size_t i_ = 0;
  std::optional<std::string> inline_value_;
};

template <class T>
bool parse_number(const std::string& s, T* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

constexpr const char* kStoreNeedsUrl =
    "--store needs a postgres:// URL or a libpq connection string";

// --data and --store name where the state lives: one or the other.
core::Status one_store(bool data_given, const std::string& store_url) {
  if (data_given && !store_url.empty()) {
    return bad("--data and --store exclude each other: with --store nothing lives in a data "
               "directory");
  }
  return {};
}

}  // namespace

bool valid_node_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

bool valid_account_id(const std::string& id) {
  return id.size() == 12 &&
         std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool valid_access_key_id(const std::string& key) {
  return key.size() >= 16 && key.size() <= 128 && std::all_of(key.begin(), key.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
         });
}

core::Result<HostPort> parse_host_port(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return bad("expected HOST:PORT, got '" + text + "'");
  std::string h = text.substr(0, colon);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  unsigned short p = 0;
  if (!parse_number(text.substr(colon + 1), &p)) return bad("invalid port in '" + text + "'");
  return HostPort{h, p};
}

std::string listen_url(const std::string& scheme, const std::string& host, unsigned short port) {
  const bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<std::chrono::seconds> parse_duration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  long long n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || n <= 0) return std::nullopt;
  std::string unit(end, text.data() + text.size());
  long long mult = unit.empty() || unit == "s" ? 1
                   : unit == "m"               ? 60
                   : unit == "h"               ? 3600
                   : unit == "d"               ? 86400
                                               : 0;
  if (mult == 0) return std::nullopt;
  return std::chrono::seconds(n * mult);
}

core::Result<ServeOptions> parse_serve(const std::vector<std::string>& args) {
  ServeOptions options;
  ServeOptions* out = &options;
  Args a(args);
  std::string flag, v;
  std::string starttls;  // as given
  bool data_given = false, connections_given = false;
  while (a.next(&flag)) {
    // serve_flags() is the one list: the config file and environment use it too.
    const FlagSpec* spec = flag.rfind("--", 0) == 0 ? find_serve_flag(flag.substr(2)) : nullptr;
    if (!spec) return bad(unknown_flag_message(flag));
    // A switch: "--insecure-any-credentials=false" must not turn it on.
    if (spec->kind == FlagKind::kSwitch && a.has_inline_value())
      return bad(flag + " takes no value");
    if (flag == "--insecure-any-credentials") {
      out->insecure_any_credentials = true;
      continue;
    }
    if (flag == "--i-know-this-is-public") {
      out->public_ack = true;
      continue;
    }
    if (flag == "--webhook-allow-private") {
      if (a.has_inline_value()) return bad(flag + " takes no value");
      out->webhook_allow_private = true;
      continue;
    }
    if (flag == "--test-mode" || flag == "--inbox") {
      (flag == "--inbox" ? out->inbox : out->test_mode) = true;
      continue;
    }
    if (!a.value(&v)) return bad(flag + " needs a value");
    if (flag == "--listen") {
      auto hp = parse_host_port(v);
      if (!hp.ok()) return bad(flag + ": " + hp.error().message);
      out->host = hp->host;
      out->port = hp->port;
    } else if (flag == "--metrics-listen") {
      auto hp = parse_host_port(v);
      if (!hp.ok()) return bad(flag + ": " + hp.error().message);
      out->metrics_host = hp->host;
      out->metrics_port = hp->port;
    } else if (flag == "--data") {
      out->data_dir = v;
      data_given = true;
    } else if (flag == "--store") {
      if (v.empty()) return bad(kStoreNeedsUrl);
      out->store_url = v;
    } else if (flag == "--store-connections") {
      if (!parse_number(v, &out->store_connections) || out->store_connections < 1 ||
          out->store_connections > 1000) {
        return bad("--store-connections needs a number from 1 to 1000");
      }
      connections_given = true;
    } else if (flag == "--store-cache") {
      if (!parse_number(v, &out->store_cache)) return bad("--store-cache needs a number");
    } else if (flag == "--lease") {
      auto d = parse_duration(v);
      if (!d || d->count() < 1) return bad("--lease needs a duration such as 60s or 5m");
      out->lease = *d;
    } else if (flag == "--node-id") {
      if (!valid_node_id(v)) return bad("--node-id must be 1-64 letters, digits, '.', '_' or '-'");
      out->node_id = v;
    } else if (flag == "--threads") {
      if (!parse_number(v, &out->threads) || out->threads < 1)
        return bad("--threads needs a positive number");
    } else if (flag == "--rate-limit") {
      auto eq = v.find('=');
      double rate = 0;
      if (eq == std::string::npos || eq == 0 || !parse_number(v.substr(eq + 1), &rate) ||
          !std::isfinite(rate) || rate < 0) {  // from_chars accepts "nan" and "inf"
        return bad("--rate-limit needs OPERATION=N, got '" + v + "'");
      }
      out->rate_limits[v.substr(0, eq)] = rate;
    } else if (flag == "--dns-resolver") {
      if (auto hp = parse_host_port(v); !hp.ok())
        return bad("--dns-resolver: " + hp.error().message);
      out->dns_resolvers.push_back(v);
    } else if (flag == "--dns-quorum") {
      if (!parse_number(v, &out->dns_quorum) || out->dns_quorum < 1)
        return bad("--dns-quorum needs a positive number");
    } else if (flag == "--dns-concurrency") {
      if (!parse_number(v, &out->dns_concurrency) || out->dns_concurrency < 1) {
        return bad("--dns-concurrency needs a positive number");
      }
    } else if (flag == "--dns-soa-cache") {
      auto d = v == "0" ? std::optional<std::chrono::seconds>(0) : parse_duration(v);
      if (!d) return bad("--dns-soa-cache needs a duration such as 5m or 90s (0: off)");
      out->dns_soa_cache = *d;
    } else if (flag == "--recheck-interval") {
      auto d = parse_duration(v);
      if (!d) return bad("--recheck-interval needs a duration such as 24h, 30m or 90s");
      out->recheck_interval = *d;
    } else if (flag == "--smtp-url") {
      if (v.rfind("smtp://", 0) != 0 && v.rfind("smtps://", 0) != 0) {
        return bad("--smtp-url must start with smtp:// or smtps://");
      }
      out->smtp_url = v;
    } else if (flag == "--smtp-starttls") {
      using mail::StartTls;
      if (v != "required" && v != "opportunistic" && v != "off") {
        return bad("--smtp-starttls must be required, opportunistic or off");
      }
      starttls = v;
      out->smtp_starttls = v == "required" ? StartTls::kRequired
                           : v == "off"    ? StartTls::kOff
                                           : StartTls::kOpportunistic;
    } else if (flag == "--smtp-ca-file") {
      if (v.empty()) return bad("--smtp-ca-file needs a file");
      out->smtp_ca_file = v;
    } else if (flag == "--mail-from") {
      if (v.find('@') == std::string::npos) return bad("--mail-from needs an email address");
      out->mail_from = v;
    } else if (flag == "--public-url") {
      if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) {
        return bad("--public-url must start with http:// or https://");
      }
      while (!v.empty() && v.back() == '/') v.pop_back();
      out->public_url = v;
    } else if (flag == "--tls-cert" || flag == "--tls-key") {
      if (v.empty()) return bad(flag + " needs a PEM file");
      (flag == "--tls-cert" ? out->tls_cert : out->tls_key) = v;
    } else if (flag == "--max-identities") {
      if (!parse_number(v, &out->max_identities)) return bad("--max-identities needs a number");
    } else if (flag == "--region" || flag == "--regions") {
      bool one = flag == "--region";  // --regions: a comma-separated list
      auto& list = one ? out->extra_regions : out->regions;
      if (!one) list.clear();  // one list: given again, the last wins like any value
      for (size_t start = 0, end = 0; end != std::string::npos; start = end + 1) {
        end = one ? std::string::npos : v.find(',', start);
        std::string name = v.substr(start, end - start);
        if (!core::valid_region_name(name)) {
          return bad(flag + ": '" + name +
                     "' is not a Region name (lowercase letters, digits and " + "'-', at most " +
                     std::to_string(core::kMaxRegionName) + ")");
        }
        list.push_back(std::move(name));
      }
    } else if (flag == "--identity-cache") {
      if (!parse_number(v, &out->identity_cache)) return bad("--identity-cache needs a number");
    } else if (flag == "--max-connections") {
      if (!parse_number(v, &out->max_connections) || out->max_connections < 1) {
        return bad("--max-connections needs a positive number");
      }
    } else if (flag == "--max-connections-per-client") {
      if (!parse_number(v, &out->max_connections_per_client)) {
        return bad("--max-connections-per-client needs a number");
      }
    } else if (flag == "--mail-cooldown") {
      auto d = v == "0" ? std::optional<std::chrono::seconds>(0) : parse_duration(v);
      if (!d) return bad("--mail-cooldown needs a duration such as 5m or 90s (0: off)");
      out->mail_cooldown = *d;
    } else if (flag == "--mail-retention") {
      auto d = parse_duration(v);
      if (!d) return bad("--mail-retention needs a duration such as 7d or 12h");
      out->mail_retention = *d;
    } else if (flag == "--event-retention") {
      auto d = parse_duration(v);
      if (!d) return bad("--event-retention needs a duration such as 7d or 12h");
      out->event_retention = *d;
    } else if (flag == "--history-keep") {
      if (!parse_number(v, &out->history_keep)) return bad("--history-keep needs a number");
    } else if (flag == "--auto-verify-suffix") {
      auto suffix = core::auto_verify_suffix(v);
      if (!suffix.ok()) return suffix.error();
      out->auto_verify_suffixes.push_back(std::move(*suffix));
    } else {
      return bad(unknown_flag_message(flag));
    }
  }
  if (!out->auto_verify_suffixes.empty() && !out->test_mode) {
    return bad("--auto-verify-suffix needs --test-mode: it verifies identities without evidence");
  }
  if (out->smtp_url.rfind("smtp://", 0) == 0 && mail::smtp_url_has_credentials(out->smtp_url)) {
    // Without STARTTLS (not offered, or stripped on the way) AUTH would go in clear.
    if (!starttls.empty() && starttls != "required") {
      return bad("--smtp-starttls " + starttls +
                 " would let the password in --smtp-url travel in "
                 "clear; credentials need --smtp-starttls required (or smtps://)");
    }
    out->smtp_starttls = mail::StartTls::kRequired;
  }
  if (out->tls_cert.empty() != out->tls_key.empty()) {
    return bad(out->tls_cert.empty() ? "--tls-key needs --tls-cert (the certificate it signs for)"
                                     : "--tls-cert needs --tls-key (its private key)");
  }
  if (auto s = one_store(data_given, out->store_url); !s.ok()) return s.error();
  if (connections_given && out->store_url.empty()) return bad("--store-connections needs --store");
  if (out->lease && out->store_url.empty()) return bad("--lease needs --store");
  if (out->store_cache && out->store_url.empty()) return bad("--store-cache needs --store");
  // The cooldown is answered from the outbox: pruning sooner would end it early.
  if (out->mail_retention < out->mail_cooldown)
    return bad("--mail-retention must be at least --mail-cooldown");
  return options;
}

core::Status check_rate_limits(const ServeOptions& opt, const std::vector<std::string>& served) {
  for (const auto& [op, rate] : opt.rate_limits) {
    if (std::find(served.begin(), served.end(), op) != served.end()) continue;
    std::string names;
    for (const auto& s : served) names += (names.empty() ? "" : ", ") + s;
    return bad("--rate-limit: vouch serves no operation '" + op + "' (operations: " + names + ")");
  }
  return {};
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  // 127.0.0.0/8, written as a dotted quad.
  if (host.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') return false;
  }
  return dots == 3;
}

core::Result<std::string> check_public_listener(const ServeOptions& opt) {
  std::string risky;
  auto add = [&](bool on, const char* name) {
    if (on) risky += (risky.empty() ? "" : ", ") + std::string(name);
  };
  add(opt.test_mode, "--test-mode");
  add(opt.inbox, "--inbox");
  add(opt.insecure_any_credentials, "--insecure-any-credentials");
  if (risky.empty() || is_loopback_host(opt.host)) return std::string();
  if (!opt.public_ack) {
    return bad(risky + " on a listener others can reach (" + opt.host +
               ") needs --i-know-this-is-public");
  }
  return std::string("WARNING: " + risky + " on " + opt.host +
                     ", which others can reach: anyone who can connect may use what these "
                     "options open");
}

core::Result<AccountAddOptions> parse_account_add(const std::vector<std::string>& args) {
  AccountAddOptions options;
  AccountAddOptions* out = &options;
  Args a(args);
  std::string flag, v;
  bool data_given = false;
  while (a.next(&flag)) {
    if (!a.value(&v)) return bad(flag + " needs a value");
    if (flag == "--data") out->data_dir = v, data_given = true;
    else if (flag == "--store") {
      if (v.empty()) return bad(kStoreNeedsUrl);
      out->store_url = v;
    } else if (flag == "--account-id") out->account_id = v;
    else if (flag == "--access-key-id") out->access_key_id = v;
    else if (flag == "--secret-access-key") out->secret_access_key = v;
    else return bad("unknown option " + flag);
  }
  if (auto s = one_store(data_given, out->store_url); !s.ok()) return s.error();
  if (!valid_account_id(out->account_id)) return bad("--account-id must be 12 digits");
  if (!valid_access_key_id(out->access_key_id))
    return bad("--access-key-id must be 16-128 letters and digits");
  if (out->secret_access_key.empty()) return bad("--secret-access-key is required");
  return options;
}

namespace {

// `vouch account remove` names a key; `vouch account list` takes only --data or --store.
core::Result<AccountKeyOptions> parse_account_key(const std::vector<std::string>& args,
                                                  bool names_a_key) {
  AccountKeyOptions options;
  Args a(args);
  std::string flag, v;
  bool data_given = false;
  while (a.next(&flag)) {
    if (!a.value(&v)) return bad(flag + " needs a value");
    if (flag == "--data") options.data_dir = v, data_given = true;
    else if (flag == "--store") {
      if (v.empty()) return bad(kStoreNeedsUrl);
      options.store_url = v;
    } else if (names_a_key && flag == "--access-key-id") options.access_key_id = v;
    else return bad("unknown option " + flag);
  }
  if (auto s = one_store(data_given, options.store_url); !s.ok()) return s.error();
  if (names_a_key && !valid_access_key_id(options.access_key_id)) {
    return bad("--access-key-id must be 16-128 letters and digits");
  }
  return options;
}

}  // namespace

core::Result<AccountKeyOptions> parse_account_remove(const std::vector<std::string>& args) {
  return parse_account_key(args, true);
}

core::Result<AccountKeyOptions> parse_account_list(const std::vector<std::string>& args) {
  return parse_account_key(args, false);
}

core::Result<StoreCopyOptions> parse_store_copy(const std::vector<std::string>& args) {
  StoreCopyOptions options;
  Args a(args);
  std::string flag, v;
  while (a.next(&flag)) {
    if (!a.value(&v)) return bad(flag + " needs a value");
    if (flag == "--from") options.from_dir = v;
    else if (flag == "--to") options.to_url = v;
    else return bad("unknown option " + flag);
  }
  if (options.from_dir.empty()) return bad("--from needs the data directory to copy");
  if (options.to_url.empty()) return bad("--to needs the postgres:// URL to copy into");
  return options;
}

}  // namespace vouch::cli
