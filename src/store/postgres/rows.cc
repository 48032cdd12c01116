#include "store/postgres/rows.h"

namespace vouch::store::postgres {

std::vector<core::Claim> read_claims(const Res& r) {
  std::vector<core::Claim> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_claim(r, i));
  return out;
}

std::vector<core::Mail> read_mails(const Res& r) {
  std::vector<core::Mail> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_mail(r, i));
  return out;
}

std::string kinds_array(const std::vector<core::ClaimKind>& kinds) {
  std::string s = "{";
  for (size_t i = 0; i < kinds.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(kind_code(kinds[i]));
  }
  return s + "}";
}

}  // namespace vouch::store::postgres
