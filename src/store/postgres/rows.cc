#include "store/postgres/rows.h"

namespace vouch::store::postgres {

std::vector<core::Claim> read_claims(const Res& r) {
  std::vector<core::Claim> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_claim(r, i));
  return out;
}

Params identities_of(const std::vector<IdentityOf>& callers) {
  std::vector<std::string> accounts, regions, subjects, numbers;
  for (size_t n = 0; n < callers.size(); ++n) {
    accounts.push_back(callers[n].scope.account_id);
    regions.push_back(callers[n].scope.region);
    subjects.push_back(callers[n].subject);
    numbers.push_back(std::to_string(n));
  }
  return {text_array(accounts), text_array(regions), text_array(subjects), text_array(numbers)};
}

core::Result<std::vector<std::pair<size_t, core::Claim>>> read_identities_of(const Res& r,
                                                                             size_t callers) {
  std::vector<std::pair<size_t, core::Claim>> out;
  const int caller_col = r.columns() - 1;
  for (int row = 0; row < r.rows(); ++row) {
    const int64_t n = r.int_at(row, caller_col);
    if (n < 0 || static_cast<size_t>(n) >= callers) {
      return core::internal_error("find_identities_of: no such caller");
    }
    out.emplace_back(static_cast<size_t>(n), read_claim(r, row));
  }
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
