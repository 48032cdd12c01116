#include "core/claim_names.h"

namespace vouch::core {

std::string_view claim_kind_name(ClaimKind k) {
  switch (k) {
    case ClaimKind::kSesDomain: return "ses_domain";
    case ClaimKind::kSesEmail: return "ses_email";
    case ClaimKind::kLatticeDomain: return "lattice_domain";
    case ClaimKind::kSesDkim: return "ses_dkim";
    case ClaimKind::kSesDkimTxt: return "ses_dkim_txt";
    case ClaimKind::kSesMailFromMx: return "ses_mail_from_mx";
    case ClaimKind::kSesMailFromSpf: return "ses_mail_from_spf";
  }
  return "unknown";
}

std::string_view claim_status_name(ClaimStatus s) {
  switch (s) {
    case ClaimStatus::kPending: return "pending";
    case ClaimStatus::kVerified: return "verified";
    case ClaimStatus::kUnconfirmed: return "unconfirmed";
    case ClaimStatus::kFailed: return "failed";
  }
  return "unknown";
}

}  // namespace vouch::core
