#include "service/lattice_service.h"

#include "core/arn.h"
#include "core/encoding.h"
#include "core/identity.h"
#include "core/status_machine.h"
#include "core/tags.h"
#include "core/tokens.h"
#include "crypto/crypto.h"

namespace vouch::service {

using core::Claim;
using core::ClaimKind;
using core::Error;
using core::ErrorCode;
using core::Result;
using core::Scope;

namespace {

constexpr int kCasRetries = 8;
constexpr const char* kListing = "lattice:domainverifications";
constexpr const char* kIdentifierPattern =
    "((dv-[0-9a-z]{17})|(arn:[a-z0-9\\-]+:vpc-lattice:[a-zA-Z0-9\\-]+:\\d{12}:domainverification/"
    "dv-[a-fA-F0-9]{17}))";

Error invalid(std::string_view value, std::string_view field, std::string_view rule) {
  return core::invalid_argument(core::constraint_message(value, field, rule), std::string(field));
}

Error not_found(const std::string& id) {
  return core::not_found("Domain verification " + id + " not found.", id);
}

// At least one printable non-space ASCII character, 1-64 characters.
bool valid_client_token(const std::string& t) {
  long n = core::utf8_length(t);
  if (n < 1 || n > 64) return false;
  for (char c : t) {
    if (c >= '!' && c <= '~') return true;
  }
  return false;
}

// What a client token's request asked for. The first form, domain then
// "\nkey=value" per tag, is ambiguous once a key holds '=' ({"a": "b=c"} and
// {"a=b": "c"} read the same). It is kept where it is unambiguous, so tokens
// stored before the change still replay; anything else is length-prefixed
// behind a NUL, which no domain starts with.
std::string request_hash(const std::string& domain, const core::Tags& tags) {
  bool plain = domain.find('\n') == std::string::npos;
  for (const auto& [k, v] : tags) {
    plain = plain && k.find_first_of("=\n") == std::string::npos &&
            v.find('\n') == std::string::npos;
  }
  std::string canonical;
  if (plain) {
    canonical = domain;
    for (const auto& [k, v] : tags) canonical += '\n' + k + '=' + v;  // std::map: sorted keys
  } else {
    canonical.push_back('\0');
    auto field = [&canonical](const std::string& s) {
      canonical += std::to_string(s.size()) + ':' + s;
    };
    field(domain);
    for (const auto& [k, v] : tags) {
      field(k);
      field(v);
    }
  }
  return core::hex_encode(crypto::sha256(canonical));
}

}  // namespace

std::string lattice_txt_label(const Claim& claim) {
  const size_t suffix = claim.subject.size() + 1;
  return claim.record_name.size() > suffix
             ? claim.record_name.substr(0, claim.record_name.size() - suffix)
             : claim.record_name;
}

LatticeService::LatticeService(core::Store& store, const core::Clock& clock, core::Random& random,
                               RateLimiter& limiter, const PageTokens& tokens,
                               LatticeOptions options)
    : store_(store),
      clock_(clock),
      random_(random),
      limiter_(limiter),
      tokens_(tokens),
      options_(options) {}

Result<StartResult> LatticeService::start(const Scope& scope, StartRequest req,
                                          const RenderStart& render) {
  if (auto s = limiter_.admit(scope, "StartDomainVerification"); !s.ok()) return s.error();
  const long len = core::utf8_length(req.domain_name);
  if (len < 3 || len > 255) {
    return invalid(req.domain_name, "domainName", "Member must have length between 3 and 255");
  }
  auto domain = core::normalize_domain(req.domain_name, core::kLatticeRecordPrefix);
  if (!domain.ok())
    return invalid(req.domain_name, "domainName", "Member must be a valid domain name");
  if (req.client_token && !valid_client_token(*req.client_token)) {
    return invalid(*req.client_token, "clientToken",
                   "Member must have length between 1 and 64 and satisfy regular expression "
                   "pattern: .*[!-~]+.*");
  }
  if (auto s = core::validate_tags(req.tags, "tags"); !s.ok()) return s.error();

  const auto now = clock_.now();
  Claim c;
  c.id = core::new_lattice_id(random_);
  c.scope = scope;
  c.kind = ClaimKind::kLatticeDomain;
  c.subject = *domain;
  c.record_name = core::new_lattice_txt_label(random_) + "." + *domain;
  c.token = core::new_lattice_txt_value(random_);
  c.created_at = now;
  c.tags = std::move(req.tags);
  c = core::restart(core::policy_for(c.kind), std::move(c), now);

  std::optional<core::IdempotencyKey> key;
  if (req.client_token)
    key = core::IdempotencyKey{*req.client_token, request_hash(c.subject, c.tags), render(c)};
  core::CreateRules rules{options_.quota, true, options_.client_token_window, now};
  auto created = store_.create_claim_once(std::move(c), key, rules);
  if (!created.ok()) return created.error();
  switch (created->outcome) {
    case core::CreateOutcome::kCreated: return StartResult{std::move(created->claim), {}};
    case core::CreateOutcome::kReplayed:
      return StartResult{std::nullopt, std::move(created->response)};
    case core::CreateOutcome::kTokenMismatch:
      return Error{ErrorCode::kConflict,
                   "The client token " + *req.client_token +
                       " was already used for a request with different parameters.",
                   *req.client_token,
                   {}};
    case core::CreateOutcome::kLiveDuplicate:
      return Error{ErrorCode::kConflict,
                   "A domain verification for " + created->claim.subject +
                       " already exists: " + created->existing_id + ".",
                   created->existing_id,
                   {}};
    case core::CreateOutcome::kQuotaExceeded:
      return Error{ErrorCode::kQuotaExceeded,
                   "You have reached the maximum number of domain verifications (" +
                       std::to_string(options_.quota) + ") in this Region.",
                   {},
                   {}};
    case core::CreateOutcome::kExisting: break;  // not asked for (an SES rule)
  }
  return core::internal_error("unknown create outcome");
}

Result<Claim> LatticeService::resolve(const Scope& scope, const std::string& identifier,
                                      bool arn_only) {
  std::string id;
  if (identifier.rfind("arn:", 0) == 0) {
    auto arn = core::parse_arn(identifier);
    const std::string prefix = "domainverification/";
    if (!arn || arn->resource.rfind(prefix, 0) != 0 ||
        !core::is_domain_verification_id(arn->resource.substr(prefix.size()))) {
      if (arn && arn->service == "vpc-lattice" && arn_only) return not_found(identifier);
      return invalid(
          identifier, arn_only ? "resourceArn" : "domainVerificationIdentifier",
          arn_only
              ? "Member must satisfy regular expression pattern: "
                "arn:[a-z0-9][-.a-z0-9]{0,62}:vpc-lattice:([a-z0-9][-.a-z0-9]{0,62})?:\\d{12}?:[^/].{0,1023}"
              : std::string("Member must satisfy regular expression pattern: ") +
                    kIdentifierPattern);
    }
    id = arn->resource.substr(prefix.size());
    if (arn->service != "vpc-lattice" || arn->region != scope.region ||
        arn->account_id != scope.account_id) {
      return not_found(identifier);
    }
  } else if (!arn_only && core::is_domain_verification_id(identifier)) {
    id = identifier;
  } else {
    return invalid(
        identifier, arn_only ? "resourceArn" : "domainVerificationIdentifier",
        std::string("Member must satisfy regular expression pattern: ") + kIdentifierPattern);
  }
  for (auto& ch : id) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto found = store_.get_claim(scope, id);
  if (!found.ok()) return found.error();
  if (!*found || (*found)->kind != ClaimKind::kLatticeDomain) return not_found(identifier);
  return std::move(**found);
}

Result<Claim> LatticeService::get(const Scope& scope, const std::string& identifier) {
  if (auto s = limiter_.admit(scope, "GetDomainVerification"); !s.ok()) return s.error();
  return resolve(scope, identifier, false);
}

Result<VerificationPage> LatticeService::list(const Scope& scope, std::optional<int> max_results,
                                              const std::optional<std::string>& next_token) {
  if (auto s = limiter_.admit(scope, "ListDomainVerifications"); !s.ok()) return s.error();
  const int limit = max_results.value_or(options_.default_page_size);
  if (limit < 1 || limit > 100) {
    return invalid(std::to_string(limit), "maxResults", "Member must have value between 1 and 100");
  }
  core::ListQuery q{scope, {ClaimKind::kLatticeDomain}, 0, static_cast<size_t>(limit) + 1};
  if (next_token) {
    auto after = tokens_.decode(scope, kListing, *next_token);
    if (!after) return core::invalid_argument("The nextToken is not valid.", "nextToken");
    q.after_seq = *after;
  }
  auto rows = store_.list_claims(q);
  if (!rows.ok()) return rows.error();
  VerificationPage page;
  page.items = std::move(*rows);
  if (page.items.size() > static_cast<size_t>(limit)) {
    page.items.resize(static_cast<size_t>(limit));
    page.next_token = tokens_.encode(scope, kListing, page.items.back().seq);
  }
  return page;
}

core::Status LatticeService::remove(const Scope& scope, const std::string& identifier) {
  if (auto s = limiter_.admit(scope, "DeleteDomainVerification"); !s.ok()) return s;
  auto claim = resolve(scope, identifier, false);
  if (!claim.ok()) return claim.error();
  auto deleted = store_.delete_claim(scope, claim->id);
  if (!deleted.ok()) return deleted.error();
  if (!*deleted) return not_found(identifier);
  return {};
}

Result<Claim> LatticeService::update_tags(const Scope& scope, const std::string& arn,
                                          const std::function<core::Status(core::Tags&)>& change) {
  for (int i = 0; i < kCasRetries; ++i) {
    auto claim = resolve(scope, arn, true);
    if (!claim.ok()) return claim;
    if (auto s = change(claim->tags); !s.ok()) return s.error();
    auto updated = store_.update_claim(std::move(*claim));
    if (updated.ok()) return updated;
    if (updated.error().code == ErrorCode::kNotFound) return not_found(arn);
    if (updated.error().code != ErrorCode::kAborted) return updated;
  }
  return Error{ErrorCode::kUnavailable, "resource is busy, retry", {}, {}};
}

core::Status LatticeService::tag(const Scope& scope, const std::string& arn,
                                 const core::Tags& tags) {
  if (auto s = limiter_.admit(scope, "TagResource"); !s.ok()) return s;
  if (auto s = core::validate_tags(tags, "tags"); !s.ok()) return s;
  auto r = update_tags(
      scope, arn, [&](core::Tags& current) { return core::merge_tags(current, tags, "tags"); });
  if (!r.ok()) return r.error();
  return {};
}

core::Status LatticeService::untag(const Scope& scope, const std::string& arn,
                                   const std::vector<std::string>& keys) {
  if (auto s = limiter_.admit(scope, "UntagResource"); !s.ok()) return s;
  if (auto s = core::validate_tag_keys(keys, "tagKeys"); !s.ok()) return s;
  auto r = update_tags(scope, arn, [&](core::Tags& current) -> core::Status {
    for (const auto& k : keys) current.erase(k);
    return {};
  });
  if (!r.ok()) return r.error();
  return {};
}

Result<core::Tags> LatticeService::list_tags(const Scope& scope, const std::string& arn) {
  if (auto s = limiter_.admit(scope, "ListTagsForResource"); !s.ok()) return s.error();
  auto claim = resolve(scope, arn, true);
  if (!claim.ok()) return claim.error();
  return std::move(claim->tags);
}

}  // namespace vouch::service
