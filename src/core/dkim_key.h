// DKIM key records (RFC 6376 §3.6.1) read for their public key, the check
// behind bring-your-own-DKIM (BYODKIM) claims. Pure: no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vouch::core {

// The p= of a DKIM key record with all whitespace removed, or nullopt when
// `record` is no usable RSA key record: a tag without '=', a tag twice, v=
// other than DKIM1, k= other than rsa, or no p=. Tags may come in any order
// and v= may be left out; whitespace may sit anywhere (DNS consoles wrap
// long keys), and the strings of one TXT record arrive joined.
std::optional<std::string> dkim_public_key(std::string_view record);

// Whether `record` is a DKIM key record whose key is `expected` (base64,
// compared without whitespace). An empty p= (a revoked key) never matches.
bool dkim_key_matches(std::string_view record, std::string_view expected);

// The record to publish for `key`: "v=DKIM1; k=rsa; p=<key>".
std::string dkim_key_record(std::string_view key);

}  // namespace vouch::core
