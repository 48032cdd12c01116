#include "core/store.h"

#include "core/evidence_json.h"

namespace vouch::core {

Result<std::shared_ptr<const Evidence>> ClaimStore::last_evidence_decoded(
    const std::string& claim_id) {
  auto text = last_evidence(claim_id);
  if (!text.ok()) return text.error();
  if (!*text) return std::shared_ptr<const Evidence>();
  auto e = evidence_from_text(**text);
  if (!e) return std::shared_ptr<const Evidence>();
  return std::shared_ptr<const Evidence>(std::make_shared<Evidence>(std::move(*e)));
}

}  // namespace vouch::core
