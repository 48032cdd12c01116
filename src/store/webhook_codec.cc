#include "store/webhook_codec.h"

#include <algorithm>

#include "core/event_json.h"

namespace vouch::store {

int delivery_state_code(core::WebhookDelivery::State s) {
  switch (s) {
    case core::WebhookDelivery::State::kPending: return 0;
    case core::WebhookDelivery::State::kDelivered: return 1;
    case core::WebhookDelivery::State::kFailed: return 2;
  }
  return 0;
}

core::WebhookDelivery::State delivery_state_from_code(int64_t c) {
  switch (c) {
    case 1: return core::WebhookDelivery::State::kDelivered;
    case 2: return core::WebhookDelivery::State::kFailed;
    default: return core::WebhookDelivery::State::kPending;
  }
}

int64_t kind_mask(const std::vector<std::string>& event_types) {
  if (event_types.empty()) return -1;
  using K = core::ClaimKind;
  int64_t mask = 0;
  for (K k : {K::kSesDomain, K::kSesEmail, K::kLatticeDomain, K::kSesDkim, K::kSesDkimTxt,
              K::kSesMailFromMx, K::kSesMailFromSpf}) {
    if (std::find(event_types.begin(), event_types.end(), core::event_type(k)) !=
        event_types.end()) {
      mask |= int64_t{1} << kind_code(k);
    }
  }
  return mask;
}

}  // namespace vouch::store
