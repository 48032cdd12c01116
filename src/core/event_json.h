// A status-change event as consumers receive it (GET /_vouch/events and the
// webhook body): the resource and the statuses in its own API's names.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/store.h"

namespace vouch::core {

// "ses.identity", "ses.dkim", "ses.mail_from" or "vpc-lattice.domain_verification",
// then ".status_changed": what a webhook's event_types filter names.
std::string event_type(ClaimKind kind);
// Whether `type` is one event_type() gives.
bool is_event_type(std::string_view type);
// "evt-<seq>": unique within an installation, increasing.
std::string event_id(int64_t seq);
std::optional<int64_t> event_seq(std::string_view id);

nlohmann::json event_json(const Event& e);

}  // namespace vouch::core
