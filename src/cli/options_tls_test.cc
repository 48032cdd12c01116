// --tls-cert and --tls-key: both or neither; the listener's URL.
#include <gtest/gtest.h>

#include "cli/cli_test_util.h"
#include "cli/options.h"

namespace vouch::cli {
namespace {

using namespace test;  // NOLINT: the Result adapters

using Args = std::vector<std::string>;

std::string serve_error(const Args& args) {
  ServeOptions o;
  return parse_into(parse_serve(args), &o);
}

TEST(ParseServeTls, BothFlagsGiveTheFiles) {
  ServeOptions o;
  ASSERT_EQ(parse_into(parse_serve({"--tls-cert", "c.pem", "--tls-key=k.pem"}), &o), "");
  EXPECT_EQ(o.tls_cert, "c.pem");
  EXPECT_EQ(o.tls_key, "k.pem");
}

TEST(ParseServeTls, NeitherIsPlainHttp) {
  ServeOptions o;
  ASSERT_EQ(parse_into(parse_serve({}), &o), "");
  EXPECT_EQ(o.tls_cert, "");
  EXPECT_EQ(o.tls_key, "");
}

TEST(ParseServeTls, OneWithoutTheOtherNamesTheMissingFlag) {
  EXPECT_EQ(serve_error({"--tls-cert", "c.pem"}), "--tls-cert needs --tls-key (its private key)");
  EXPECT_EQ(serve_error({"--tls-key", "k.pem"}),
            "--tls-key needs --tls-cert (the certificate it signs for)");
  EXPECT_EQ(serve_error({"--tls-cert", ""}), "--tls-cert needs a PEM file");
  EXPECT_EQ(serve_error({"--tls-key"}), "--tls-key needs a value");
}

TEST(ListenUrl, BracketsIpv6) {
  EXPECT_EQ(listen_url("https", "127.0.0.1", 4566), "https://127.0.0.1:4566");
  EXPECT_EQ(listen_url("http", "::1", 8443), "http://[::1]:8443");
}

}  // namespace
}  // namespace vouch::cli
