// Test certificates made in memory (a self-signed P-256 pair per call), and
// a directory per test for their files.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <filesystem>
#include <string>

namespace vouch::server::test {

// A self-signed P-256 certificate for CN=`name`, with `serial`.
struct TestPair {
  std::string cert, key;  // PEM
};

inline TestPair make_pair(const std::string& name, long serial, const char* passphrase = nullptr) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_NAME* subject = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, subject);
  X509_set_pubkey(cert, key);
  X509_sign(cert, key, EVP_sha256());
  auto pem = [](auto write) {
    BIO* bio = BIO_new(BIO_s_mem());
    write(bio);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(n));
    BIO_free(bio);
    return out;
  };
  TestPair p;
  p.cert = pem([&](BIO* b) { PEM_write_bio_X509(b, cert); });
  p.key = pem([&](BIO* b) {
    if (passphrase) {
      PEM_write_bio_PrivateKey(b, key, EVP_aes_256_cbc(), nullptr, 0, nullptr,
                               const_cast<char*>(passphrase));
    } else {
      PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
    }
  });
  X509_free(cert);
  EVP_PKEY_free(key);
  return p;
}

// A fresh directory named after the running test, under the system's temp.
inline std::filesystem::path make_test_dir(const std::string& prefix) {
  auto dir = std::filesystem::temp_directory_path() /
             (prefix + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace vouch::server::test
