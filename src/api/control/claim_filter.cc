#include "api/control/claim_filter.h"

#include <charconv>
#include <optional>

#include "api/common/form.h"
#include "api/common/json.h"
#include "core/claim_names.h"

namespace vouch::api::control {

namespace {

constexpr core::ClaimKind kKinds[] = {
    core::ClaimKind::kSesDomain,     core::ClaimKind::kSesEmail,   core::ClaimKind::kLatticeDomain,
    core::ClaimKind::kSesDkim,       core::ClaimKind::kSesDkimTxt, core::ClaimKind::kSesMailFromMx,
    core::ClaimKind::kSesMailFromSpf};
constexpr core::ClaimStatus kStatuses[] = {
    core::ClaimStatus::kPending, core::ClaimStatus::kVerified, core::ClaimStatus::kUnconfirmed,
    core::ClaimStatus::kFailed};

// A whole decimal number in [lo, hi].
std::optional<int64_t> number(const std::string& s, int64_t lo, int64_t hi) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

http::Response invalid(std::string_view message, std::string_view field) {
  return validation_error(message, "fieldValidationFailed", field);
}

}  // namespace

std::variant<service::ClaimFilter, http::Response> parse_claim_filter(std::string_view query) {
  auto form = parse_form(query, false);
  if (!form) return invalid("Malformed query string.", "");
  service::ClaimFilter f;
  if (const std::string* a = form->get("after")) {
    auto v = number(*a, 0, INT64_MAX);
    if (!v) return invalid("after must be a whole number from a previous next_after.", "after");
    f.after = *v;
  }
  if (const std::string* l = form->get("limit")) {
    auto v = number(*l, 1, service::ClaimAdmin::kPage);
    if (!v) return invalid("limit must be a whole number from 1 to 500.", "limit");
    f.limit = static_cast<size_t>(*v);
  }
  if (const std::string* s = form->get("status")) {
    for (auto st : kStatuses) {
      if (core::claim_status_name(st) == *s) f.status = st;
    }
    if (!f.status) {
      return invalid("status must be one of pending, verified, unconfirmed, failed.", "status");
    }
  }
  if (const std::string* k = form->get("kind")) {
    for (auto kind : kKinds) {
      if (core::claim_kind_name(kind) == *k) f.kind = kind;
    }
    if (!f.kind) {
      return invalid(
          "kind must be one of ses_domain, ses_email, lattice_domain, ses_dkim, ses_dkim_txt, "
          "ses_mail_from_mx, ses_mail_from_spf.",
          "kind");
    }
  }
  if (const std::string* q = form->get("q")) {
    if (q->size() > kMaxSearchLength) {
      return invalid("q must be at most 255 bytes: the start of a name.", "q");
    }
    for (unsigned char c : *q) {
      if (c < 0x20 || c == 0x7f) return invalid("q must not hold control characters.", "q");
    }
    f.subject_prefix = *q;
  }
  return f;
}

}  // namespace vouch::api::control
