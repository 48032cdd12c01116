#include "core/tokens.h"

#include <array>

#include "core/encoding.h"

namespace vouch::core {
namespace {

// 256 is a multiple of 32, so masking a byte keeps the choice uniform.
std::string base32_chars(Random& r, size_t n) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::vector<uint8_t> bytes(n);
  r.fill(bytes);
  std::string out(n, ' ');
  for (size_t i = 0; i < n; ++i) out[i] = kAlphabet[bytes[i] & 31];
  return out;
}

std::string hex_chars(Random& r, size_t n) {
  std::vector<uint8_t> bytes((n + 1) / 2);
  r.fill(bytes);
  return hex_encode(bytes).substr(0, n);
}

}  // namespace

std::string new_ses_token(Random& r) {
  std::array<uint8_t, 32> bytes{};
  r.fill(bytes);
  return base64_encode(bytes);
}

std::vector<std::string> new_dkim_tokens(Random& r) {
  return {base32_chars(r, 32), base32_chars(r, 32), base32_chars(r, 32)};
}

std::string new_ses_claim_id(Random& r) { return "id-" + hex_chars(r, 20); }
std::string new_lattice_id(Random& r) { return "dv-" + hex_chars(r, 17); }
std::string new_lattice_txt_label(Random& r) { return "_" + base32_chars(r, 20); }
std::string new_lattice_txt_value(Random& r) { return "vpc-lattice:" + base32_chars(r, 32); }

}  // namespace vouch::core
