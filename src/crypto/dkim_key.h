// The public half of a bring-your-own-DKIM private key, read with OpenSSL:
// vouch checks DNS for the public key and never signs, so the private key
// is only read here and then dropped.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace vouch::crypto {

struct DkimPublicKey {
  int bits = 0;             // 1024 or 2048
  std::string spki_base64;  // SubjectPublicKeyInfo DER, base64: the record's p=
};

// `private_key_base64`: DER (PKCS#1 RSAPrivateKey or PKCS#8), standard
// base64, no PEM armour. kInvalidArgument, naming what is wrong and never
// quoting the key, for anything that is not a 1024- or 2048-bit RSA key.
core::Result<DkimPublicKey> dkim_public_key(std::string_view private_key_base64);

}  // namespace vouch::crypto
