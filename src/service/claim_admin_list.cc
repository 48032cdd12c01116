// ClaimAdmin's listing: a page of the scope's claims, narrowed by a filter.
#include <algorithm>

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
  page.claims = std::move(*rows);
  return page;
}

}  // namespace vouch::service
