#include "service/byodkim.h"

#include <algorithm>
#include <cctype>

#include "crypto/dkim_key.h"

namespace vouch::service {

namespace {

constexpr size_t kMaxSelector = 63;
constexpr size_t kMaxPrivateKey = 20480;
constexpr size_t kMaxName = 253;
constexpr std::string_view kSelectorPattern =
    "^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9]))$";

bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool valid_selector(const std::string& s) {
  if (s.empty() || !alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return alnum(c) || c == '-'; });
}

core::Error constraint(std::string_view member, std::string_view what) {
  return core::invalid_argument("1 validation error detected: Value at '" + std::string(member) +
                                    "' failed to satisfy constraint: " + std::string(what),
                                std::string(member));
}

}  // namespace

bool is_byodkim(const core::Tags& tags) {
  auto it = tags.find(std::string(kDkimOriginTag));
  return it != tags.end() && it->second == "EXTERNAL";
}

core::ClaimKind dkim_record_kind(const core::Tags& tags) {
  return is_byodkim(tags) ? core::ClaimKind::kSesDkimTxt : core::ClaimKind::kSesDkim;
}

bool current_dkim_record(const core::Tags& tags, const core::Claim& record) {
  if (record.kind != dkim_record_kind(tags)) return false;
  if (record.kind != core::ClaimKind::kSesDkimTxt) return true;
  auto key = tags.find(std::string(kDkimPublicKeyTag));
  return key != tags.end() && key->second == record.token;
}

core::Result<ByoDkimKey> read_byodkim(const ByoDkim& in, const std::string& domain) {
  if (in.selector.empty() || in.selector.size() > kMaxSelector) {
    return constraint("DomainSigningSelector",
                      "Member must have length between 1 and 63.");  // not echoed: unbounded
  }
  if (!valid_selector(in.selector)) {
    return core::invalid_argument(
        "1 validation error detected: Value '" + in.selector +
            "' at 'DomainSigningSelector' failed to satisfy constraint: Member must satisfy "
            "regular expression pattern: " +
            std::string(kSelectorPattern),
        "DomainSigningSelector");
  }
  if (in.selector.size() + core::dkim_record_name("", domain).size() > kMaxName) {
    return core::invalid_argument("Invalid DomainSigningSelector: the record " +
                                      core::dkim_record_name(in.selector, domain) +
                                      " would be longer than 253 characters.",
                                  "DomainSigningSelector");
  }
  if (in.private_key.empty() || in.private_key.size() > kMaxPrivateKey) {
    return constraint("DomainSigningPrivateKey", "Member must have length between 1 and 20480.");
  }
  auto pub = crypto::dkim_public_key(in.private_key);
  if (!pub.ok()) return pub.error();
  return ByoDkimKey{in.selector, std::move(pub->spki_base64), pub->bits};
}

void set_byodkim(core::Claim& domain, const ByoDkimKey& key) {
  domain.dkim_tokens = {key.selector};
  domain.tags[std::string(kDkimOriginTag)] = "EXTERNAL";
  domain.tags[std::string(kDkimPublicKeyTag)] = key.public_key;
}

void clear_byodkim(core::Claim& domain) {
  domain.tags.erase(std::string(kDkimOriginTag));
  domain.tags.erase(std::string(kDkimPublicKeyTag));
}

}  // namespace vouch::service
