#include "api/sesv2/sesv2_dkim.h"

#include <string>
#include <string_view>

#include "api/sesv2/sesv2_wire.h"

namespace vouch::api::sesv2 {

using nlohmann::json;

namespace {

constexpr std::string_view kDeedPrefix = "AWS_SES_";

http::Response wrong_type(std::string_view member, std::string_view what) {
  return bad_request("Value at '" + std::string(member) + "' must be " + std::string(what) + ".");
}

// A string member, absent as nullopt; the error when it is another type.
std::variant<std::optional<std::string>, http::Response> optional_string(const json& j,
                                                                         std::string_view name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return wrong_type(name, "a string");
  return std::optional<std::string>(it->get<std::string>());
}

// What an origin other than AWS_SES and EXTERNAL gets: DEED replicates a
// parent identity's keys from another Region, which vouch does not model.
http::Response origin_refused(std::string_view member, const std::string& origin) {
  if (origin.rfind(kDeedPrefix, 0) == 0) {
    return bad_request("Deterministic Easy DKIM (" + origin +
                       ") is not supported by this server: use AWS_SES or EXTERNAL.");
  }
  return bad_request("1 validation error detected: Value at '" + std::string(member) +
                     "' failed to satisfy constraint: Member must satisfy enum value set: "
                     "[AWS_SES, EXTERNAL, AWS_SES_<REGION>]");
}

struct Attributes {
  std::optional<service::ByoDkim> byodkim;
  std::optional<int> key_bits;
  std::optional<std::string> origin;  // DomainSigningAttributesOrigin
};

std::variant<Attributes, http::Response> read_attributes(const json& d, std::string_view member) {
  if (!d.is_object()) return wrong_type(member, "a structure");
  Attributes out;
  auto selector = optional_string(d, "DomainSigningSelector");
  if (auto* r = std::get_if<http::Response>(&selector)) return std::move(*r);
  auto key = optional_string(d, "DomainSigningPrivateKey");
  if (auto* r = std::get_if<http::Response>(&key)) return std::move(*r);
  auto& sel = std::get<std::optional<std::string>>(selector);
  auto& priv = std::get<std::optional<std::string>>(key);
  if (sel.has_value() != priv.has_value()) {
    return bad_request(
        "DomainSigningSelector and DomainSigningPrivateKey must be specified together.");
  }
  if (sel) out.byodkim = service::ByoDkim{std::move(*sel), std::move(*priv)};
  auto len = optional_string(d, "NextSigningKeyLength");
  if (auto* r = std::get_if<http::Response>(&len)) return std::move(*r);
  if (auto& l = std::get<std::optional<std::string>>(len)) {
    if (*l == "RSA_1024_BIT") out.key_bits = 1024;
    else if (*l == "RSA_2048_BIT") out.key_bits = 2048;
    else return bad_request("Invalid NextSigningKeyLength: must be RSA_1024_BIT or RSA_2048_BIT.");
  }
  auto origin = optional_string(d, "DomainSigningAttributesOrigin");
  if (auto* r = std::get_if<http::Response>(&origin)) return std::move(*r);
  out.origin = std::move(std::get<std::optional<std::string>>(origin));
  return out;
}

}  // namespace

std::optional<http::Response> read_create_dkim(const json& attrs,
                                               service::CreateEmailIdentityRequest& in) {
  auto read = read_attributes(attrs, "DkimSigningAttributes");
  if (auto* r = std::get_if<http::Response>(&read)) return std::move(*r);
  auto& a = std::get<Attributes>(read);
  // On Create the origin only names a DEED parent Region.
  if (a.origin) {
    if (*a.origin == "AWS_SES" || *a.origin == "EXTERNAL") {
      return bad_request("DomainSigningAttributesOrigin " + *a.origin +
                         " is not allowed in CreateEmailIdentity.");
    }
    return origin_refused("DkimSigningAttributes.DomainSigningAttributesOrigin", *a.origin);
  }
  // BYODKIM's key length is its key's; NextSigningKeyLength is Easy DKIM's.
  if (a.key_bits && !a.byodkim) in.key_bits = *a.key_bits;
  in.byodkim = std::move(a.byodkim);
  return std::nullopt;
}

std::variant<service::DkimSigningRequest, http::Response> read_signing_request(const json& body) {
  auto origin = body.find("SigningAttributesOrigin");
  if (origin == body.end() || origin->is_null()) {
    return bad_request(
        "1 validation error detected: Value null at 'SigningAttributesOrigin' failed to "
        "satisfy constraint: Member must not be null");
  }
  if (!origin->is_string()) return wrong_type("SigningAttributesOrigin", "a string");
  const std::string o = origin->get<std::string>();
  service::DkimSigningRequest out;
  if (o == "EXTERNAL") out.external = true;
  else if (o != "AWS_SES") return origin_refused("SigningAttributesOrigin", o);
  Attributes a;
  if (auto s = body.find("SigningAttributes"); s != body.end() && !s->is_null()) {
    auto read = read_attributes(*s, "SigningAttributes");
    if (auto* r = std::get_if<http::Response>(&read)) return std::move(*r);
    a = std::move(std::get<Attributes>(read));
  }
  if (a.origin) {
    return bad_request("SigningAttributes.DomainSigningAttributesOrigin is not allowed here: use "
                       "SigningAttributesOrigin.");
  }
  if (!out.external && a.byodkim) {
    return bad_request("DomainSigningSelector and DomainSigningPrivateKey are only allowed when "
                       "SigningAttributesOrigin is EXTERNAL.");
  }
  out.byodkim = std::move(a.byodkim);
  if (!out.external) out.key_bits = a.key_bits;
  return out;
}

json signing_response_json(const service::DkimView& dkim) {
  json j{{"DkimStatus", dkim_status_name(dkim.status)}, {"DkimTokens", dkim.tokens}};
  if (!dkim.external) j["SigningHostedZone"] = "dkim.amazonses.com";
  return j;
}

}  // namespace vouch::api::sesv2
