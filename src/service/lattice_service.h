// The VPC Lattice domain-verification operations over ownership claims.
// Rules (spec §7 rows 1-3): client-token idempotency, one live verification
// per domain, a per-region quota, tag limits, ID-or-ARN addressing.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/claim.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/random.h"
#include "core/store.h"
#include "service/page_token.h"
#include "service/rate_limiter.h"

namespace vouch::service {

struct LatticeOptions {
  size_t quota = 5;  // domain verifications per account and region; 0 = unlimited
  core::Seconds client_token_window{8 * 3600};
  int default_page_size = 100;
};

struct StartRequest {
  std::string domain_name;
  core::Tags tags;
  std::optional<std::string> client_token;
};

// Either a fresh claim, or the first response to the same client token.
struct StartResult {
  std::optional<core::Claim> created;
  std::string replayed_response;
};

struct VerificationPage {
  std::vector<core::Claim> items;
  std::optional<std::string> next_token;
};

class LatticeService {
 public:
  // Renders the wire response of a start, stored for client-token replays.
  using RenderStart = std::function<std::string(const core::Claim&)>;

  LatticeService(core::Store& store, const core::Clock& clock, core::Random& random,
                 RateLimiter& limiter, const PageTokens& tokens, LatticeOptions options = {});

  core::Result<StartResult> start(const core::Scope& scope, StartRequest req,
                                  const RenderStart& render);
  // `identifier` is an id (dv-...) or an ARN; another scope's ARN is NotFound.
  core::Result<core::Claim> get(const core::Scope& scope, const std::string& identifier);
  core::Result<VerificationPage> list(const core::Scope& scope, std::optional<int> max_results,
                                      const std::optional<std::string>& next_token);
  core::Status remove(const core::Scope& scope, const std::string& identifier);
  core::Status tag(const core::Scope& scope, const std::string& arn, const core::Tags& tags);
  core::Status untag(const core::Scope& scope, const std::string& arn,
                     const std::vector<std::string>& keys);
  core::Result<core::Tags> list_tags(const core::Scope& scope, const std::string& arn);

 private:
  core::Result<core::Claim> resolve(const core::Scope& scope, const std::string& identifier,
                                    bool arn_only);
  core::Result<core::Claim> update_tags(const core::Scope& scope, const std::string& arn,
                                        const std::function<core::Status(core::Tags&)>& change);

  core::Store& store_;
  const core::Clock& clock_;
  core::Random& random_;
  RateLimiter& limiter_;
  const PageTokens& tokens_;
  const LatticeOptions options_;
};

// The TXT label (txtMethodConfig.name) of a Lattice claim: its record name
// without the domain.
std::string lattice_txt_label(const core::Claim& claim);

}  // namespace vouch::service
