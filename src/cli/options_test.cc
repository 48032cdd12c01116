// Command-line parsing for `vouch serve` and `vouch account add`.
#include "cli/cli_test_util.h"
#include "cli/options.h"

#include <gtest/gtest.h>

namespace vouch::cli {
namespace {

using namespace test;  // NOLINT: the Result adapters

using Args = std::vector<std::string>;
using Rates = std::map<std::string, double>;

ServeOptions serve(const Args& args) {
  ServeOptions o;
  std::string e = parse_into(parse_serve(args), &o);
  EXPECT_EQ(e, "") << "args: " << ::testing::PrintToString(args);
  return o;
}

std::string serve_error(const Args& args) {
  ServeOptions o;
  return parse_into(parse_serve(args), &o);
}

TEST(ParseServe, Defaults) {
  ServeOptions o = serve({});
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 4566);
  EXPECT_EQ(o.data_dir, "./vouch-data");
  EXPECT_EQ(o.threads, 0);
  EXPECT_EQ(o.rate_limits, Rates{});
  EXPECT_FALSE(o.insecure_any_credentials);
  EXPECT_EQ(o.max_identities, 10000u);
}

TEST(ParseServe, ListenIpv4) {
  ServeOptions o = serve({"--listen", "0.0.0.0:8080"});
  EXPECT_EQ(o.host, "0.0.0.0");
  EXPECT_EQ(o.port, 8080);
  o = serve({"--listen", "localhost:65535"});
  EXPECT_EQ(o.host, "localhost");
  EXPECT_EQ(o.port, 65535);
  o = serve({"--listen", "127.0.0.1:0"});  // 0: any free port
  EXPECT_EQ(o.port, 0);
}

TEST(ParseServe, ListenIpv6) {
  ServeOptions o = serve({"--listen", "[::1]:4566"});
  EXPECT_EQ(o.host, "::1");
  EXPECT_EQ(o.port, 4566);
  o = serve({"--listen", "[::]:9000"});
  EXPECT_EQ(o.host, "::");
  EXPECT_EQ(o.port, 9000);
  o = serve({"--listen", "[fe80::1%eth0]:1"});
  EXPECT_EQ(o.host, "fe80::1%eth0");
  EXPECT_EQ(o.port, 1);
}

TEST(ParseServe, ListenErrors) {
  EXPECT_EQ(serve_error({"--listen", "127.0.0.1"}),
            "--listen: expected HOST:PORT, got '127.0.0.1'");
  EXPECT_EQ(serve_error({"--listen", ":4566"}), "--listen: expected HOST:PORT, got ':4566'");
  EXPECT_EQ(serve_error({"--listen", "127.0.0.1:65536"}),
            "--listen: invalid port in '127.0.0.1:65536'");
  EXPECT_EQ(serve_error({"--listen", "127.0.0.1:-1"}), "--listen: invalid port in '127.0.0.1:-1'");
  EXPECT_EQ(serve_error({"--listen", "127.0.0.1:"}), "--listen: invalid port in '127.0.0.1:'");
  EXPECT_EQ(serve_error({"--listen", "127.0.0.1:80x"}),
            "--listen: invalid port in '127.0.0.1:80x'");
  EXPECT_EQ(serve_error({"--listen", "[::1]:http"}), "--listen: invalid port in '[::1]:http'");
  EXPECT_EQ(serve_error({"--listen"}), "--listen needs a value");
}

TEST(ParseServe, MetricsListen) {
  EXPECT_TRUE(serve({}).metrics_host.empty());  // default: /metrics on --listen
  ServeOptions o = serve({"--metrics-listen", "127.0.0.1:9464"});
  EXPECT_EQ(o.metrics_host, "127.0.0.1");
  EXPECT_EQ(o.metrics_port, 9464);
  EXPECT_EQ(o.port, 4566);  // the API's listener stays
  EXPECT_EQ(serve_error({"--metrics-listen", "9464"}),
            "--metrics-listen: expected HOST:PORT, got '9464'");
}

TEST(ParseServe, ListenErrorLeavesOptionsAlone) {
  ServeOptions o;
  EXPECT_NE(parse_into(parse_serve({"--listen", "10.0.0.1:99999"}), &o), "");
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 4566);
}

TEST(ParseServe, DataAndMaxIdentities) {
  ServeOptions o = serve({"--data", "/var/lib/vouch", "--max-identities", "0"});
  EXPECT_EQ(o.data_dir, "/var/lib/vouch");
  EXPECT_EQ(o.max_identities, 0u);
  EXPECT_EQ(serve({"--max-identities", "250"}).max_identities, 250u);
  EXPECT_EQ(serve_error({"--max-identities", "-1"}), "--max-identities needs a number");
  EXPECT_EQ(serve_error({"--max-identities", "ten"}), "--max-identities needs a number");
  EXPECT_EQ(serve({}).dns_concurrency, 128u);
  EXPECT_EQ(serve({"--dns-concurrency", "64"}).dns_concurrency, 64u);
  EXPECT_EQ(serve_error({"--dns-concurrency", "0"}), "--dns-concurrency needs a positive number");
  EXPECT_EQ(serve({}).dns_soa_cache, std::chrono::seconds(300));
  EXPECT_EQ(serve({"--dns-soa-cache", "90s"}).dns_soa_cache, std::chrono::seconds(90));
  EXPECT_EQ(serve({"--dns-soa-cache", "0"}).dns_soa_cache, std::chrono::seconds(0));
  EXPECT_EQ(serve_error({"--dns-soa-cache", "soon"}),
            "--dns-soa-cache needs a duration such as 5m or 90s (0: off)");
  EXPECT_EQ(serve({}).identity_cache, 16384u);
  EXPECT_EQ(serve({"--identity-cache", "0"}).identity_cache, 0u);
  EXPECT_EQ(serve({"--identity-cache=500"}).identity_cache, 500u);
  EXPECT_EQ(serve_error({"--identity-cache", "lots"}), "--identity-cache needs a number");
  EXPECT_EQ(serve_error({"--data"}), "--data needs a value");
}

TEST(ParseServe, Threads) {
  EXPECT_EQ(serve({"--threads", "4"}).threads, 4);
  EXPECT_EQ(serve({"--threads", "1"}).threads, 1);
  EXPECT_EQ(serve_error({"--threads", "0"}), "--threads needs a positive number");
  EXPECT_EQ(serve_error({"--threads", "-2"}), "--threads needs a positive number");
  EXPECT_EQ(serve_error({"--threads", "two"}), "--threads needs a positive number");
  EXPECT_EQ(serve_error({"--threads", "4.5"}), "--threads needs a positive number");
}

TEST(ParseServe, RateLimits) {
  ServeOptions o = serve({"--rate-limit", "ListIdentities=0", "--rate-limit",
                          "VerifyDomainIdentity=2.5", "--rate-limit", "ListIdentities=7"});
  EXPECT_EQ(o.rate_limits, (Rates{{"ListIdentities", 7.0}, {"VerifyDomainIdentity", 2.5}}));
  EXPECT_EQ(serve({"--rate-limit", "Op=0"}).rate_limits, (Rates{{"Op", 0.0}}));
  EXPECT_EQ(serve({"--rate-limit", "Op=2.5"}).rate_limits, (Rates{{"Op", 2.5}}));
  EXPECT_EQ(serve({"--rate-limit", "Op=1e2"}).rate_limits, (Rates{{"Op", 100.0}}));
}

TEST(ParseServe, RateLimitErrors) {
  for (const char* bad :
       {"Op", "Op=", "=2", "Op=-1", "Op=fast", "Op=2.5x", "Op=nan", "Op=inf", "Op=1e999"}) {
    EXPECT_EQ(serve_error({"--rate-limit", bad}),
              "--rate-limit needs OPERATION=N, got '" + std::string(bad) + "'");
  }
  EXPECT_EQ(serve_error({"--rate-limit"}), "--rate-limit needs a value");
}

TEST(ParseServe, FlagEqualsValueForm) {
  ServeOptions o = serve({"--listen=[::1]:5000", "--data=/tmp/x=y", "--threads=3",
                          "--rate-limit=ListIdentities=5", "--max-identities=12"});
  EXPECT_EQ(o.host, "::1");
  EXPECT_EQ(o.port, 5000);
  EXPECT_EQ(o.data_dir, "/tmp/x=y");
  EXPECT_EQ(o.threads, 3);
  EXPECT_EQ(o.rate_limits, (Rates{{"ListIdentities", 5.0}}));
  EXPECT_EQ(o.max_identities, 12u);
  // An empty inline value is a value, not a missing one.
  EXPECT_EQ(serve({"--data="}).data_dir, "");
  EXPECT_EQ(serve_error({"--threads=0"}), "--threads needs a positive number");
}

TEST(ParseServe, InsecureAnyCredentials) {
  ServeOptions o = serve({"--insecure-any-credentials", "--threads", "2"});
  EXPECT_TRUE(o.insecure_any_credentials);
  EXPECT_EQ(o.threads, 2);
  EXPECT_TRUE(serve({"--threads", "2", "--insecure-any-credentials"}).insecure_any_credentials);
  // A switch takes no value: "=false" must not quietly turn it on.
  ServeOptions off;
  EXPECT_EQ(parse_into(parse_serve({"--insecure-any-credentials=false"}), &off),
            "--insecure-any-credentials takes no value");
  EXPECT_FALSE(off.insecure_any_credentials);
}

TEST(ParseServe, Regions) {
  ServeOptions o = serve({});
  EXPECT_TRUE(o.regions.empty());
  EXPECT_TRUE(o.extra_regions.empty());
  o = serve({"--region", "zz-fake-9", "--region=local", "--regions", "eu-west-1,zz-fake-9"});
  EXPECT_EQ(o.extra_regions, (Args{"zz-fake-9", "local"}));
  EXPECT_EQ(o.regions, (Args{"eu-west-1", "zz-fake-9"}));
  EXPECT_EQ(serve({"--regions", "eu-west-1", "--regions", "us-east-2"}).regions,
            (Args{"us-east-2"}));
  EXPECT_EQ(
      serve_error({"--region", "US-EAST-1"}),
      "--region: 'US-EAST-1' is not a Region name (lowercase letters, digits and '-', at most 64)");
  EXPECT_EQ(serve_error({"--region", "a,b"}),
            "--region: 'a,b' is not a Region name (lowercase letters, digits and '-', at most 64)");
  EXPECT_EQ(serve_error({"--region", std::string(65, 'a')}).substr(0, 10), "--region: ");
  EXPECT_EQ(serve_error({"--regions", "eu-west-1,"}),
            "--regions: '' is not a Region name (lowercase letters, digits and '-', at most 64)");
  EXPECT_EQ(serve_error({"--regions", ""}),
            "--regions: '' is not a Region name (lowercase letters, digits and '-', at most 64)");
  EXPECT_EQ(serve_error({"--region"}), "--region needs a value");
}

TEST(ParseServe, SmtpStartTls) {
  using mail::StartTls;
  EXPECT_EQ(serve({}).smtp_starttls, StartTls::kOpportunistic);
  EXPECT_EQ(serve({"--smtp-url", "smtp://relay:25"}).smtp_starttls, StartTls::kOpportunistic);
  EXPECT_EQ(serve({"--smtp-starttls", "required"}).smtp_starttls, StartTls::kRequired);
  EXPECT_EQ(serve({"--smtp-starttls=off", "--smtp-url", "smtp://relay:25"}).smtp_starttls,
            StartTls::kOff);
  EXPECT_EQ(serve({"--smtp-starttls", "opportunistic"}).smtp_starttls, StartTls::kOpportunistic);
  for (const char* bad : {"", "on", "REQUIRED", "try"}) {
    EXPECT_EQ(serve_error({"--smtp-starttls", bad}),
              "--smtp-starttls must be required, opportunistic or off");
  }
  // Credentials: required unless said otherwise, and nothing else is accepted.
  EXPECT_EQ(serve({"--smtp-url", "smtp://u:p@relay:587"}).smtp_starttls, StartTls::kRequired);
  EXPECT_EQ(
      serve({"--smtp-url", "smtp://u:p@relay:587", "--smtp-starttls", "required"}).smtp_starttls,
      StartTls::kRequired);
  for (const char* mode : {"off", "opportunistic"}) {
    EXPECT_EQ(serve_error({"--smtp-starttls", mode, "--smtp-url", "smtp://u:p@relay:587"}),
              std::string("--smtp-starttls ") + mode +
                  " would let the password in --smtp-url travel in "
                  "clear; credentials need --smtp-starttls required (or smtps://)");
  }
  EXPECT_EQ(serve({}).smtp_ca_file, "");
  EXPECT_EQ(serve({"--smtp-ca-file", "/etc/relay-ca.pem"}).smtp_ca_file, "/etc/relay-ca.pem");
  EXPECT_EQ(serve_error({"--smtp-ca-file="}), "--smtp-ca-file needs a file");
  // smtps:// is TLS from the start: the option does not apply.
  EXPECT_EQ(serve({"--smtp-url", "smtps://u:p@relay:465", "--smtp-starttls", "off"}).smtp_starttls,
            StartTls::kOff);
}

TEST(ParseServe, UnknownOption) {
  EXPECT_EQ(serve_error({"--bogus", "1"}), "unknown option --bogus");
  EXPECT_EQ(serve_error({"--bogus=1"}), "unknown option --bogus");
  EXPECT_EQ(serve_error({"--listen", "127.0.0.1:1", "-x", "y"}), "unknown option -x");
  EXPECT_EQ(serve_error({"--LISTEN", "127.0.0.1:1"}), "unknown option --LISTEN");
}

TEST(ParseHostPort, Direct) {
  HostPort hp{"unchanged", 1};
  EXPECT_EQ(parse_into(parse_host_port("example.com:443"), &hp), "");
  EXPECT_EQ(hp.host, "example.com");
  EXPECT_EQ(hp.port, 443);
  EXPECT_EQ(parse_into(parse_host_port("nope"), &hp), "expected HOST:PORT, got 'nope'");
  EXPECT_EQ(hp.host, "example.com");
  EXPECT_EQ(hp.port, 443);
}

TEST(Validators, AccountId) {
  EXPECT_TRUE(valid_account_id("123456789012"));
  EXPECT_TRUE(valid_account_id("000000000000"));
  EXPECT_FALSE(valid_account_id("12345678901"));
  EXPECT_FALSE(valid_account_id("1234567890123"));
  EXPECT_FALSE(valid_account_id("12345678901a"));
  EXPECT_FALSE(valid_account_id("-12345678901"));
  EXPECT_FALSE(valid_account_id(""));
}

TEST(Validators, AccessKeyId) {
  EXPECT_TRUE(valid_access_key_id("AKIAIOSFODNN7EXAMPLE"));
  EXPECT_TRUE(valid_access_key_id(std::string(16, 'a')));
  EXPECT_TRUE(valid_access_key_id(std::string(128, 'Z')));
  EXPECT_TRUE(valid_access_key_id("aB3aB3aB3aB3aB3a"));
  EXPECT_FALSE(valid_access_key_id(std::string(15, 'a')));
  EXPECT_FALSE(valid_access_key_id(std::string(129, 'a')));
  EXPECT_FALSE(valid_access_key_id("AKIA-OSFODNN7EXAMPLE"));
  EXPECT_FALSE(valid_access_key_id("AKIA_OSFODNN7EXAMPLE"));
  EXPECT_FALSE(valid_access_key_id("AKIA OSFODNN7EXAMPLE"));
  EXPECT_FALSE(valid_access_key_id("AKIA\xC3\x89OSFODNN7EXAMPLE"));
  EXPECT_FALSE(valid_access_key_id(""));
}

std::string account_error(const Args& args, AccountAddOptions* out = nullptr) {
  AccountAddOptions o;
  std::string e = parse_into(parse_account_add(args), &o);
  if (out) *out = o;
  return e;
}

const Args kGoodAccount = {"--data",
                           "/srv/vouch",
                           "--account-id",
                           "123456789012",
                           "--access-key-id",
                           "AKIAIOSFODNN7EXAMPLE",
                           "--secret-access-key",
                           "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};

TEST(ParseAccountAdd, Valid) {
  AccountAddOptions o;
  EXPECT_EQ(account_error(kGoodAccount, &o), "");
  EXPECT_EQ(o.data_dir, "/srv/vouch");
  EXPECT_EQ(o.account_id, "123456789012");
  EXPECT_EQ(o.access_key_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(o.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

  AccountAddOptions d;
  EXPECT_EQ(account_error({"--account-id=000000000001", "--access-key-id=abcdefghijklmnop",
                           "--secret-access-key=s=e=c"},
                          &d),
            "");
  EXPECT_EQ(d.data_dir, "./vouch-data");
  EXPECT_EQ(d.account_id, "000000000001");
  EXPECT_EQ(d.access_key_id, "abcdefghijklmnop");
  EXPECT_EQ(d.secret_access_key, "s=e=c");
}

Args with(const std::string& flag, const std::string& value) {
  Args a = kGoodAccount;
  for (size_t i = 0; i + 1 < a.size(); i += 2) {
    if (a[i] == flag) a[i + 1] = value;
  }
  return a;
}

TEST(ParseAccountAdd, AccountIdMustBe12Digits) {
  const std::string msg = "--account-id must be 12 digits";
  EXPECT_EQ(account_error(with("--account-id", "12345678901")), msg);
  EXPECT_EQ(account_error(with("--account-id", "1234567890123")), msg);
  EXPECT_EQ(account_error(with("--account-id", "12345678901x")), msg);
  EXPECT_EQ(account_error(with("--account-id", "")), msg);
  EXPECT_EQ(account_error({"--access-key-id", "AKIAIOSFODNN7EXAMPLE", "--secret-access-key", "s"}),
            msg);
}

TEST(ParseAccountAdd, AccessKeyCharsetAndLength) {
  const std::string msg = "--access-key-id must be 16-128 letters and digits";
  EXPECT_EQ(account_error(with("--access-key-id", "AKIA1234")), msg);
  EXPECT_EQ(account_error(with("--access-key-id", std::string(15, 'A'))), msg);
  EXPECT_EQ(account_error(with("--access-key-id", std::string(129, 'A'))), msg);
  EXPECT_EQ(account_error(with("--access-key-id", "AKIA/OSFODNN7EXAMPLE")), msg);
  EXPECT_EQ(account_error(with("--access-key-id", "AKIA+OSFODNN7EXAMPLE")), msg);
  EXPECT_EQ(account_error(with("--access-key-id", "")), msg);
  EXPECT_EQ(account_error(with("--access-key-id", std::string(16, '7'))), "");
  EXPECT_EQ(account_error(with("--access-key-id", std::string(128, 'q'))), "");
}

TEST(ParseAccountAdd, SecretRequired) {
  EXPECT_EQ(account_error(with("--secret-access-key", "")), "--secret-access-key is required");
  EXPECT_EQ(
      account_error({"--account-id", "123456789012", "--access-key-id", "AKIAIOSFODNN7EXAMPLE"}),
      "--secret-access-key is required");
}

TEST(ParseAccountAdd, BadArguments) {
  Args unknown = kGoodAccount;
  unknown.push_back("--region");
  unknown.push_back("us-east-1");
  EXPECT_EQ(account_error(unknown), "unknown option --region");
  Args dangling = kGoodAccount;
  dangling.push_back("--data");
  EXPECT_EQ(account_error(dangling), "--data needs a value");
}

TEST(ParseServe, ConnectionCaps) {
  ServeOptions d = serve({});
  EXPECT_EQ(d.max_connections, 0u);  // from the open-file limit
  EXPECT_EQ(d.max_connections_per_client, 256u);
  ServeOptions o = serve({"--max-connections", "500", "--max-connections-per-client=0"});
  EXPECT_EQ(o.max_connections, 500u);
  EXPECT_EQ(o.max_connections_per_client, 0u);
  EXPECT_EQ(serve_error({"--max-connections", "0"}), "--max-connections needs a positive number");
  EXPECT_EQ(serve_error({"--max-connections", "-1"}), "--max-connections needs a positive number");
  EXPECT_EQ(serve_error({"--max-connections-per-client", "x"}),
            "--max-connections-per-client needs a number");
}

TEST(ParseAccountRemove, NeedsAValidAccessKeyId) {
  AccountKeyOptions o;
  EXPECT_EQ(parse_into(parse_account_remove(
                           {"--data", "/srv/vouch", "--access-key-id", "AKIAIOSFODNN7EXAMPLE"}),
                       &o),
            "");
  EXPECT_EQ(o.data_dir, "/srv/vouch");
  EXPECT_EQ(o.access_key_id, "AKIAIOSFODNN7EXAMPLE");
  AccountKeyOptions none;
  EXPECT_EQ(parse_into(parse_account_remove({"--data", "/srv/vouch"}), &none),
            "--access-key-id must be 16-128 letters and digits");
  AccountKeyOptions bad;
  EXPECT_EQ(parse_into(parse_account_remove({"--access-key-id", "AKIA-BAD"}), &bad),
            "--access-key-id must be 16-128 letters and digits");
  EXPECT_EQ(parse_into(parse_account_remove(
                           {"--access-key-id", "AKIAIOSFODNN7EXAMPLE", "--secret-access-key", "s"}),
                       &bad),
            "unknown option --secret-access-key");
}

TEST(ParseAccountList, TakesOnlyTheDataDirectory) {
  AccountKeyOptions o;
  EXPECT_EQ(parse_into(parse_account_list({}), &o), "");
  EXPECT_EQ(o.data_dir, "./vouch-data");
  EXPECT_EQ(parse_into(parse_account_list({"--data=/srv/vouch"}), &o), "");
  EXPECT_EQ(o.data_dir, "/srv/vouch");
  EXPECT_EQ(parse_into(parse_account_list({"--access-key-id", "AKIAIOSFODNN7EXAMPLE"}), &o),
            "unknown option --access-key-id");
  EXPECT_EQ(parse_into(parse_account_list({"--data"}), &o), "--data needs a value");
}

TEST(ParseServe, MailCooldownAndRetention) {
  ServeOptions o = serve({});
  EXPECT_EQ(o.mail_cooldown, std::chrono::seconds(300));
  EXPECT_EQ(o.mail_retention, std::chrono::seconds(7 * 86400));
  o = serve({"--mail-cooldown", "90s", "--mail-retention", "12h"});
  EXPECT_EQ(o.mail_cooldown, std::chrono::seconds(90));
  EXPECT_EQ(o.mail_retention, std::chrono::seconds(12 * 3600));
  EXPECT_EQ(serve({"--mail-cooldown", "0"}).mail_cooldown, std::chrono::seconds(0));
  EXPECT_EQ(serve_error({"--mail-cooldown", "soon"}),
            "--mail-cooldown needs a duration such as 5m or 90s (0: off)");
  EXPECT_EQ(serve_error({"--mail-retention", "0"}),
            "--mail-retention needs a duration such as 7d or 12h");
  EXPECT_EQ(serve_error({"--mail-cooldown", "2h", "--mail-retention", "1h"}),
            "--mail-retention must be at least --mail-cooldown");
}

TEST(ParseServe, EventRetentionAndHistoryKeep) {
  ServeOptions o = serve({});
  EXPECT_EQ(o.event_retention, std::chrono::seconds(7 * 86400));
  EXPECT_EQ(o.history_keep, 100u);
  o = serve({"--event-retention", "30d", "--history-keep", "0"});
  EXPECT_EQ(o.event_retention, std::chrono::seconds(30 * 86400));
  EXPECT_EQ(o.history_keep, 0u);
  EXPECT_EQ(serve_error({"--event-retention", "0"}),
            "--event-retention needs a duration such as 7d or 12h");
  EXPECT_EQ(serve_error({"--history-keep", "many"}), "--history-keep needs a number");
}

TEST(ParseServe, AutoVerifySuffixInTestModeOnly) {
  EXPECT_TRUE(serve({}).auto_verify_suffixes.empty());
  ServeOptions o = serve(
      {"--test-mode", "--auto-verify-suffix", ".test", "--auto-verify-suffix=Example.COM"});
  EXPECT_EQ(o.auto_verify_suffixes, (std::vector<std::string>{"test", "example.com"}));
  EXPECT_EQ(serve_error({"--auto-verify-suffix", ".test"}),
            "--auto-verify-suffix needs --test-mode: it verifies identities without evidence");
  EXPECT_EQ(serve_error({"--test-mode", "--auto-verify-suffix", "a..test"}),
            "--auto-verify-suffix needs a domain suffix such as .test, got 'a..test'");
}

TEST(CheckRateLimits, RefusesOperationsVouchDoesNotServe) {
  const std::vector<std::string> served = {"VerifyEmailIdentity", "ListIdentities"};
  EXPECT_EQ(error_text(check_rate_limits(serve({"--rate-limit", "VerifyEmailIdentity=3"}), served)),
            "");
  EXPECT_EQ(error_text(check_rate_limits(serve({}), served)), "");
  EXPECT_EQ(
      error_text(check_rate_limits(
          serve({"--rate-limit", "ListIdentities=1", "--rate-limit", "SendEmail=1"}), served)),
      "--rate-limit: vouch serves no operation 'SendEmail' (operations: VerifyEmailIdentity, "
      "ListIdentities)");
}

TEST(CheckPublicListener, LoopbackNeedsNoAcknowledgement) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "::1", "localhost"}) {
    EXPECT_TRUE(is_loopback_host(host)) << host;
    std::string warning;
    ServeOptions o = serve({"--listen", std::string(host) + ":1", "--test-mode", "--inbox",
                            "--insecure-any-credentials"});
    EXPECT_EQ(parse_into(check_public_listener(o), &warning), "") << host;
    EXPECT_EQ(warning, "") << host;
  }
  for (const char* host :
       {"0.0.0.0", "::", "10.0.0.1", "127.0.0.1.example.com", "128.0.0.1", "example.com"}) {
    EXPECT_FALSE(is_loopback_host(host)) << host;
  }
}

TEST(CheckPublicListener, RiskyOptionsOnAPublicListenerNeedTheAcknowledgement) {
  for (const char* flag : {"--test-mode", "--inbox", "--insecure-any-credentials"}) {
    std::string warning;
    ServeOptions o = serve({"--listen", "0.0.0.0:4566", flag});
    EXPECT_EQ(parse_into(check_public_listener(o), &warning),
              std::string(flag) +
                  " on a listener others can reach (0.0.0.0) needs --i-know-this-is-public");
    o = serve({"--listen", "0.0.0.0:4566", flag, "--i-know-this-is-public"});
    EXPECT_EQ(parse_into(check_public_listener(o), &warning), "");
    EXPECT_NE(warning.find("WARNING: " + std::string(flag)), std::string::npos) << warning;
  }
  // Positive control: a public listener without them starts quietly.
  std::string warning;
  EXPECT_EQ(parse_into(check_public_listener(serve({"--listen", "0.0.0.0:4566"})), &warning), "");
  EXPECT_EQ(warning, "");
  EXPECT_EQ(serve_error({"--i-know-this-is-public=yes"}), "--i-know-this-is-public takes no value");
}

}  // namespace
}  // namespace vouch::cli

namespace vouch::cli {
namespace {

TEST(ParseServe, WebhookAllowPrivateIsASwitchOffByDefault) {
  EXPECT_FALSE(serve({}).webhook_allow_private);
  EXPECT_TRUE(serve({"--webhook-allow-private"}).webhook_allow_private);
  EXPECT_EQ(serve_error({"--webhook-allow-private=yes"}), "--webhook-allow-private takes no value");
}

}  // namespace
}  // namespace vouch::cli
