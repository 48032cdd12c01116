// ClaimAdmin's listing: a page of the scope's claims, narrowed by a filter.
#include <algorithm>

#include "core/evidence_json.h"
#include "service/claim_admin.h"

namespace vouch::service {

core::Result<ClaimPage> ClaimAdmin::list(const core::Scope& scope, const ClaimFilter& filter) {
  core::ClaimSearch q{
      {scope,
       {core::ClaimKind::kSesDomain, core::ClaimKind::kSesEmail, core::ClaimKind::kLatticeDomain,
        core::ClaimKind::kSesDkim, core::ClaimKind::kSesDkimTxt, core::ClaimKind::kSesMailFromMx,
        core::ClaimKind::kSesMailFromSpf},
       filter.after,
       std::clamp<size_t>(filter.limit, 1, kPage)},
      filter.status,
      filter.subject_prefix};
  if (filter.kind) q.list.kinds = {*filter.kind};
  auto rows = store_.search_claims(q);
  if (!rows.ok()) return rows.error();
  ClaimPage page;
  if (rows->size() == q.list.limit) page.next_after = rows->back().seq;
  // One point read per listed claim (at most kPage): a page shows when each
  // was last checked without a column the check writes would have to keep.
  page.last_checked.reserve(rows->size());
  for (const auto& c : *rows) {
    auto text = store_.last_evidence(c.id);
    if (!text.ok()) return text.error();
    std::optional<core::Evidence> e;
    if (*text) e = core::evidence_from_text(**text);
    page.last_checked.push_back(e ? std::optional(e->at) : std::nullopt);
  }
  page.claims = std::move(*rows);
  return page;
}

}  // namespace vouch::service
