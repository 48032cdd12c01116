// The fleet's flags: --store, --store-connections, --lease, --node-id, and --store for
// the account commands.
#include <gtest/gtest.h>

#include "cli/cli_test_util.h"
#include "cli/options.h"

namespace vouch::cli {
namespace {

using namespace test;  // NOLINT: the Result adapters
using Args = std::vector<std::string>;

std::string serve_error(const Args& args, ServeOptions* out = nullptr) {
  ServeOptions o;
  std::string e = parse_into(parse_serve(args), &o);
  if (out) *out = o;
  return e;
}

TEST(ParseServeStore, DefaultsToSqliteInTheDataDir) {
  ServeOptions o;
  ASSERT_EQ(serve_error({}, &o), "");
  EXPECT_EQ(o.store_url, "");
  EXPECT_EQ(o.store_connections, 8u);
  EXPECT_EQ(o.store_cache, 0u);
  EXPECT_EQ(o.node_id, "");
}

TEST(ParseServeStore, StoreConnectionsAndNodeId) {
  ServeOptions o;
  ASSERT_EQ(serve_error({"--store", "postgres://vouch@db:5432/vouch", "--store-connections=16",
                         "--node-id", "node-1.eu_west"},
                        &o),
            "");
  EXPECT_EQ(o.store_url, "postgres://vouch@db:5432/vouch");
  EXPECT_EQ(o.store_connections, 16u);
  EXPECT_EQ(o.node_id, "node-1.eu_west");
  ASSERT_EQ(serve_error({"--store", "postgres://db/v", "--store-cache=4096"}, &o), "");
  EXPECT_EQ(o.store_cache, 4096u);
  // Any libpq connection string, as libpq reads it.
  ASSERT_EQ(serve_error({"--store", "host=/run/postgresql dbname=vouch"}, &o), "");
  EXPECT_EQ(o.store_url, "host=/run/postgresql dbname=vouch");
}

TEST(ParseServeStore, Errors) {
  EXPECT_EQ(serve_error({"--store", ""}),
            "--store needs a postgres:// URL or a libpq connection string");
  EXPECT_EQ(serve_error({"--store"}), "--store needs a value");
  EXPECT_EQ(serve_error({"--store", "postgres://db/v", "--data", "/srv/vouch"}),
            "--data and --store exclude each other: with --store nothing lives in a data "
            "directory");
  EXPECT_EQ(serve_error({"--data=/srv/vouch", "--store=postgres://db/v"}),
            "--data and --store exclude each other: with --store nothing lives in a data "
            "directory");
  for (const char* n : {"0", "1001", "-1", "x", ""}) {
    EXPECT_EQ(serve_error({"--store", "postgres://db/v", "--store-connections", n}),
              "--store-connections needs a number from 1 to 1000")
        << n;
  }
  EXPECT_EQ(serve_error({"--store-connections", "4"}), "--store-connections needs --store");
  EXPECT_EQ(serve_error({"--store-cache", "4"}), "--store-cache needs --store");
  EXPECT_EQ(serve_error({"--store", "postgres://db/v", "--store-cache", "lots"}),
            "--store-cache needs a number");
  for (const char* id : {"", "a b", "n\xC3\xA9", "x/y", "{}"}) {
    EXPECT_EQ(serve_error({"--node-id", id}),
              "--node-id must be 1-64 letters, digits, '.', '_' or '-'")
        << id;
  }
  EXPECT_EQ(serve_error({"--node-id", std::string(65, 'n')}),
            "--node-id must be 1-64 letters, digits, '.', '_' or '-'");
  EXPECT_EQ(serve_error({"--node-id", std::string(64, 'n')}), "");
}

TEST(ParseAccountStore, AddListRemoveTakeStoreInsteadOfData) {
  AccountAddOptions add;
  ASSERT_EQ(parse_into(parse_account_add({"--store", "postgres://db/v", "--account-id",
                                          "123456789012", "--access-key-id", "AKIAIOSFODNN7EXAMPLE",
                                          "--secret-access-key", "s"}),
                       &add),
            "");
  EXPECT_EQ(add.store_url, "postgres://db/v");
  AccountKeyOptions key;
  ASSERT_EQ(parse_into(parse_account_remove(
                           {"--store=postgres://db/v", "--access-key-id", "AKIAIOSFODNN7EXAMPLE"}),
                       &key),
            "");
  EXPECT_EQ(key.store_url, "postgres://db/v");
  ASSERT_EQ(parse_into(parse_account_list({"--store", "dbname=vouch"}), &key), "");
  EXPECT_EQ(key.store_url, "dbname=vouch");
  ASSERT_EQ(parse_into(parse_account_list({"--data", "/srv/vouch"}), &key), "");
  EXPECT_EQ(key.store_url, "");
}

TEST(ParseAccountStore, DataAndStoreExcludeEachOther) {
  const std::string msg =
      "--data and --store exclude each other: with --store nothing lives in a data directory";
  AccountKeyOptions key;
  EXPECT_EQ(parse_into(parse_account_list({"--data", "/d", "--store", "postgres://db/v"}), &key),
            msg);
  EXPECT_EQ(parse_into(parse_account_remove({"--store", "postgres://db/v", "--data", "/d",
                                             "--access-key-id", "AKIAIOSFODNN7EXAMPLE"}),
                       &key),
            msg);
  AccountAddOptions add;
  EXPECT_EQ(parse_into(parse_account_add({"--data", "/d", "--store", "postgres://db/v",
                                          "--account-id", "123456789012", "--access-key-id",
                                          "AKIAIOSFODNN7EXAMPLE", "--secret-access-key", "s"}),
                       &add),
            msg);
  EXPECT_EQ(parse_into(parse_account_list({"--store", ""}), &key),
            "--store needs a postgres:// URL or a libpq connection string");
}

TEST(ParseStoreCopy, FromAndToAreRequired) {
  StoreCopyOptions o;
  ASSERT_EQ(parse_into(parse_store_copy({"--from", "/srv/vouch", "--to=postgres://db/v"}), &o), "");
  EXPECT_EQ(o.from_dir, "/srv/vouch");
  EXPECT_EQ(o.to_url, "postgres://db/v");
  EXPECT_EQ(parse_into(parse_store_copy({"--to", "postgres://db/v"}), &o),
            "--from needs the data directory to copy");
  EXPECT_EQ(parse_into(parse_store_copy({"--from", "/srv/vouch"}), &o),
            "--to needs the postgres:// URL to copy into");
  EXPECT_EQ(parse_into(parse_store_copy({"--from", "/d", "--to", "x", "--data", "/d"}), &o),
            "unknown option --data");
  EXPECT_EQ(parse_into(parse_store_copy({"--from"}), &o), "--from needs a value");
}

TEST(ParseServeStore, Lease) {
  ServeOptions o;
  ASSERT_EQ(serve_error({"--store", "postgres://db/v"}, &o), "");
  EXPECT_FALSE(o.lease.has_value());  // the defaults: 60 s for checks, 5 min for mail
  ASSERT_EQ(serve_error({"--store", "postgres://db/v", "--lease", "5s"}, &o), "");
  EXPECT_EQ(o.lease, std::chrono::seconds(5));
  ASSERT_EQ(serve_error({"--store", "postgres://db/v", "--lease=2m"}, &o), "");
  EXPECT_EQ(o.lease, std::chrono::seconds(120));
  for (const char* d : {"0", "0s", "x", "", "-5s"}) {
    EXPECT_EQ(serve_error({"--store", "postgres://db/v", "--lease", d}),
              "--lease needs a duration such as 60s or 5m")
        << d;
  }
  EXPECT_EQ(serve_error({"--lease", "5s"}), "--lease needs --store");
}

}  // namespace
}  // namespace vouch::cli
