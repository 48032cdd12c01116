// Loading the listener's TLS pair: the settings, the errors that name the
// file at fault, and a reload that keeps the old pair when the new one fails.
#include "server/tls_context.h"

#include "server/tls_test_util.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace vouch::server {
namespace {

namespace fs = std::filesystem;
using test::make_pair;
using test::TestPair;

class TlsContextTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = test::make_test_dir("vouch-tls-"); }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::trunc) << text;
    return p.string();
  }
  void install(const TestPair& p) {
    cert_ = write("cert.pem", p.cert);
    key_ = write("key.pem", p.key);
  }
  std::string load_error(const std::string& cert, const std::string& key) {
    auto r = load_tls_context(cert, key);
    return r.ok() ? "" : r.error().message;
  }

  fs::path dir_;
  std::string cert_, key_;
};

TEST_F(TlsContextTest, LoadsAPairWithModernSettings) {
  install(make_pair("vouch.test", 0x1A2B));
  auto ctx = load_tls_context(cert_, key_);
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  SSL_CTX* native = (*ctx)->native_handle();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(native), TLS1_2_VERSION);
  const uint64_t options = SSL_CTX_get_options(native);
  EXPECT_TRUE(options & SSL_OP_NO_COMPRESSION);
  EXPECT_TRUE(options & SSL_OP_CIPHER_SERVER_PREFERENCE);
  EXPECT_TRUE(options & SSL_OP_NO_RENEGOTIATION);
  EXPECT_FALSE(options & SSL_OP_NO_TICKET);  // session tickets stay on
  const std::string described = describe_certificate(**ctx);
  EXPECT_NE(described.find("CN=vouch.test"), std::string::npos) << described;
  EXPECT_NE(described.find("serial 1A2B"), std::string::npos) << described;
}

TEST_F(TlsContextTest, AFileThatCannotBeReadIsNamed) {
  install(make_pair("vouch.test", 1));
  const std::string missing = (dir_ / "missing.pem").string();
  EXPECT_EQ(load_error(missing, key_),
            "cannot read the TLS certificate " + missing + ": No such file or directory");
  EXPECT_EQ(load_error(cert_, missing),
            "cannot read the TLS key " + missing + ": No such file or directory");
}

TEST_F(TlsContextTest, AFileWithoutPemIsNamed) {
  install(make_pair("vouch.test", 1));
  const std::string junk = write("junk.pem", "not a certificate\n");
  std::string e = load_error(junk, key_);
  EXPECT_EQ(e.rfind("the TLS certificate " + junk + " holds no usable PEM certificate", 0), 0u)
      << e;
  e = load_error(cert_, junk);
  EXPECT_EQ(e.rfind("the TLS key " + junk + " holds no usable PEM private key", 0), 0u) << e;
}

TEST_F(TlsContextTest, AKeyOfAnotherCertificateIsRefused) {
  install(make_pair("vouch.test", 1));
  const std::string other_key = write("other-key.pem", make_pair("other.test", 2).key);
  EXPECT_EQ(load_error(cert_, other_key),
            "the TLS key " + other_key + " is not the key of the certificate in " + cert_);
}

TEST_F(TlsContextTest, AnEncryptedKeyIsRefusedWithoutAPrompt) {
  install(make_pair("vouch.test", 1, "secret"));
  const std::string e = load_error(cert_, key_);
  EXPECT_NE(e.find("an encrypted key is not supported"), std::string::npos) << e;
}

TEST_F(TlsContextTest, ReloadSwapsForNewConnectionsAndKeepsTheOldOnFailure) {
  install(make_pair("vouch.test", 0x11));
  auto tls = TlsContexts::load(cert_, key_);
  ASSERT_TRUE(tls.ok()) << tls.error().message;
  auto before = (*tls)->current();
  install(make_pair("vouch.test", 0x22));
  ASSERT_TRUE((*tls)->reload().ok());
  auto after = (*tls)->current();
  EXPECT_NE(after, before);
  EXPECT_NE(describe_certificate(*after).find("serial 22"), std::string::npos);
  // A connection that took the old context keeps it.
  EXPECT_NE(describe_certificate(*before).find("serial 11"), std::string::npos);

  write("cert.pem", "broken\n");
  auto s = (*tls)->reload();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find(cert_), std::string::npos) << s.error().message;
  EXPECT_EQ((*tls)->current(), after);
}

TEST_F(TlsContextTest, LoadFailsLikeLoadTlsContext) {
  const std::string missing = (dir_ / "missing.pem").string();
  auto tls = TlsContexts::load(missing, missing);
  ASSERT_FALSE(tls.ok());
  EXPECT_EQ(tls.error().code, core::ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vouch::server
