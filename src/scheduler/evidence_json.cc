#include "scheduler/evidence_json.h"

#include "core/rfc3339.h"

namespace vouch::scheduler {

std::string outcome_name(core::Outcome o) {
  switch (o) {
    case core::Outcome::kFound: return "found";
    case core::Outcome::kAbsent: return "absent";
    case core::Outcome::kResolverError: return "resolver_error";
  }
  return "resolver_error";
}

std::string result_name(core::PerspectiveEvidence::Result r) {
  switch (r) {
    case core::PerspectiveEvidence::Result::kFound: return "found";
    case core::PerspectiveEvidence::Result::kAbsent: return "absent";
    case core::PerspectiveEvidence::Result::kWrong: return "wrong";
    case core::PerspectiveEvidence::Result::kError: return "error";
  }
  return "error";
}

nlohmann::json evidence_to_json(const core::Evidence& e) {
  nlohmann::json perspectives = nlohmann::json::array();
  for (const auto& p : e.perspectives) {
    nlohmann::json j{{"resolver", p.resolver}, {"result", result_name(p.result)}, {"detail", p.detail}};
    if (!p.seen.empty()) j["seen"] = p.seen;
    perspectives.push_back(std::move(j));
  }
  return {{"at", core::format_rfc3339(e.at)},
          {"record_name", e.record_name},
          {"expected", e.expected},
          {"quorum", e.quorum},
          {"outcome", outcome_name(e.outcome)},
          {"perspectives", std::move(perspectives)}};
}

}  // namespace vouch::scheduler
