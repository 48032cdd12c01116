#include "server/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509err.h>

#include <boost/asio/ssl.hpp>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>

namespace vouch::server {

namespace ssl = boost::asio::ssl;

namespace {

// ECDHE with AEAD ciphers for TLS 1.2 (TLS 1.3's suites are all modern).
constexpr const char* kTls12Ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                      "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                      "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// OpenSSL's first reason for the failure (the root cause; later ones wrap
// it), and its queue emptied.
std::string openssl_reason() {
  const char* reason = ERR_reason_error_string(ERR_peek_error());
  std::string out = reason ? reason : "unknown error";
  ERR_clear_error();
  return out;
}

core::Error bad(std::string text) { return core::invalid_argument(std::move(text)); }

// A file we cannot open says so with the system's reason, before OpenSSL's
// vaguer one can.
core::Status readable(const std::string& what, const std::string& file) {
  std::ifstream in(file);
  if (!in) return bad("cannot read the TLS " + what + " " + file + ": " + std::strerror(errno));
  return {};
}

core::Error mismatch(const std::string& cert_file, const std::string& key_file) {
  return bad("the TLS key " + key_file + " is not the key of the certificate in " + cert_file);
}

// Refuses to ask for a passphrase (OpenSSL's default prompts on the terminal).
int no_passphrase(char*, int, int, void*) { return -1; }

}  // namespace

core::Result<std::shared_ptr<ssl::context>> load_tls_context(const std::string& cert_file,
                                                             const std::string& key_file) {
  if (auto s = readable("certificate", cert_file); !s.ok()) return s.error();
  if (auto s = readable("key", key_file); !s.ok()) return s.error();
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  ERR_clear_error();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(
      native, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_default_passwd_cb(native, &no_passphrase);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return core::internal_error("TLS ciphers: " + openssl_reason());
  }
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1) {
    return bad("the TLS certificate " + cert_file +
               " holds no usable PEM certificate: " + openssl_reason());
  }
  if (SSL_CTX_use_PrivateKey_file(native, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return mismatch(cert_file, key_file);
    }
    return bad("the TLS key " + key_file + " holds no usable PEM private key (" + openssl_reason() +
               "; an encrypted key is not supported)");
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return mismatch(cert_file, key_file);
  }
  return ctx;
}

std::string describe_certificate(const ssl::context& ctx) {
  X509* cert = SSL_CTX_get0_certificate(const_cast<ssl::context&>(ctx).native_handle());
  if (!cert) return "no certificate";
  std::string out = "subject ";
  char name[256];
  X509_NAME_oneline(X509_get_subject_name(cert), name, sizeof name);
  out += name;
  if (BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    if (char* hex = BN_bn2hex(serial)) {
      out += std::string(", serial ") + hex;
      OPENSSL_free(hex);
    }
    BN_free(serial);
  }
  tm expiry{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &expiry) == 1) {
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &expiry);
    out += std::string(", expires ") + when;
  }
  return out;
}

core::Result<std::shared_ptr<TlsContexts>> TlsContexts::load(std::string cert_file,
                                                             std::string key_file) {
  auto ctx = load_tls_context(cert_file, key_file);
  if (!ctx.ok()) return ctx.error();
  return std::shared_ptr<TlsContexts>(
      new TlsContexts(std::move(cert_file), std::move(key_file), std::move(*ctx)));
}

TlsContexts::TlsContexts(std::string cert_file, std::string key_file,
                         std::shared_ptr<ssl::context> ctx)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)), ctx_(std::move(ctx)) {}

std::shared_ptr<ssl::context> TlsContexts::current() const {
  std::lock_guard lock(mu_);
  return ctx_;
}

core::Status TlsContexts::reload() {
  auto ctx = load_tls_context(cert_file_, key_file_);
  if (!ctx.ok()) return ctx.error();
  std::lock_guard lock(mu_);
  ctx_ = std::move(*ctx);
  return {};
}

}  // namespace vouch::server
