// The listener's TLS: a certificate chain and key loaded into an OpenSSL
// context with modern settings, and the holder whose context a reload
// replaces. A connection takes the context current at its accept and keeps
// it, so a reload never touches connections already open.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "core/error.h"

namespace boost::asio::ssl {
class context;
}

namespace vouch::server {

// TLS 1.2 and 1.3 only, the server's cipher order, no compression, no
// renegotiation; session tickets stay on. A PEM chain in `cert_file`, a PEM
// key in `key_file` (not encrypted: nobody is there to type a passphrase).
// kInvalidArgument naming the file at fault: unreadable, not PEM, or a key
// that is not the certificate's.
core::Result<std::shared_ptr<boost::asio::ssl::context>> load_tls_context(
    const std::string& cert_file, const std::string& key_file);

// "subject CN=..., serial 0A1B, expires 2027-01-01 00:00:00Z": for logs.
std::string describe_certificate(const boost::asio::ssl::context& ctx);

class TlsContexts {
 public:
  static core::Result<std::shared_ptr<TlsContexts>> load(std::string cert_file,
                                                         std::string key_file);
  // For a new connection.
  std::shared_ptr<boost::asio::ssl::context> current() const;
  // Reads the files again: their pair replaces the current one, or, when it
  // cannot be loaded, the current one stays and the error says why.
  core::Status reload();
  const std::string& cert_file() const { return cert_file_; }

 private:
  TlsContexts(std::string cert_file, std::string key_file,
              std::shared_ptr<boost::asio::ssl::context> ctx);
  const std::string cert_file_, key_file_;
  mutable std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> ctx_;  // GUARDED_BY(mu_)
};

}  // namespace vouch::server
