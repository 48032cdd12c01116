// GetEmailIdentity's and CreateEmailIdentity's bodies, written straight into
// the response: each object's members in sorted key order, the order the
// nlohmann tree these replaced dumped them in (sesv2_identity_body_test.cc
// holds that tree and compares).
#include <chrono>

#include "api/common/json_writer.h"
#include "api/sesv2/sesv2_wire.h"

namespace vouch::api::sesv2 {

namespace {

int64_t epoch_seconds(core::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string_view key_length(int bits) { return bits == 1024 ? "RSA_1024_BIT" : "RSA_2048_BIT"; }

void write_tokens(JsonWriter& w, const std::vector<std::string>& tokens) {
  w.key("Tokens").begin_array();
  for (const auto& t : tokens) w.string(t);
  w.end_array();
}

void write_dkim(JsonWriter& w, const service::EmailIdentity& e) {
  const auto& d = e.dkim;
  w.key("DkimAttributes").begin_object();
  if (d.tokens.empty()) {
    // What AWS shows for an email address (and a domain without DKIM).
    w.key("NextSigningKeyLength").string("RSA_1024_BIT");
    w.key("SigningAttributesOrigin").string("AWS_SES");
    w.key("SigningEnabled").boolean(false);
    w.key("Status").string("NOT_STARTED");
  } else if (d.external) {
    // BYODKIM: the selector is the one token; no key of AWS's to describe.
    w.key("SigningAttributesOrigin").string("EXTERNAL");
    w.key("SigningEnabled").boolean(d.signing_enabled);
    w.key("Status").string(dkim_status_name(d.status));
    write_tokens(w, d.tokens);
  } else {
    w.key("CurrentSigningKeyLength").string(key_length(d.key_bits));
    w.key("LastKeyGenerationTimestamp").number(epoch_seconds(e.dkim_keys_at));
    w.key("NextSigningKeyLength").string(key_length(d.key_bits));
    w.key("SigningAttributesOrigin").string("AWS_SES");
    w.key("SigningEnabled").boolean(d.signing_enabled);
    w.key("SigningHostedZone").string("dkim.amazonses.com");
    w.key("Status").string(dkim_status_name(d.status));
    write_tokens(w, d.tokens);
  }
  w.end_object();
}

// {} until a check has run; epoch seconds.
void write_verification_info(JsonWriter& w, const service::VerificationInfo& v) {
  w.key("VerificationInfo").begin_object();
  if (v.error) w.key("ErrorType").string(verification_error_name(*v.error));
  if (v.last_checked) w.key("LastCheckedTimestamp").number(epoch_seconds(*v.last_checked));
  if (v.last_success) w.key("LastSuccessTimestamp").number(epoch_seconds(*v.last_success));
  if (v.soa) {
    w.key("SOARecord").begin_object();
    w.key("AdminEmail").string(v.soa->admin);
    w.key("PrimaryNameServer").string(v.soa->primary_ns);
    w.key("SerialNumber").number(v.soa->serial);
    w.end_object();
  }
  w.end_object();
}

}  // namespace

std::string create_body(const service::EmailIdentity& e) {
  JsonWriter w;
  w.begin_object();
  // AWS sends an address's create without DkimAttributes.
  if (e.kind == core::ClaimKind::kSesDomain) write_dkim(w, e);
  w.key("IdentityType").string(identity_type(e.kind));
  w.key("VerifiedForSendingStatus").boolean(sending_enabled(e.status));
  w.end_object();
  return w.take();
}

std::string identity_body(const service::EmailIdentity& e) {
  JsonWriter w;
  w.begin_object();
  write_dkim(w, e);
  w.key("FeedbackForwardingStatus").boolean(true);
  w.key("IdentityType").string(identity_type(e.kind));
  write_mail_from(w, e.mail_from);
  w.key("Policies").begin_object().end_object();
  w.key("Tags").begin_array();
  for (const auto& [k, v] : e.tags)
    w.begin_object().key("Key").string(k).key("Value").string(v).end_object();
  w.end_array();
  write_verification_info(w, e.verification);
  w.key("VerificationStatus").string(status_name(e.status));
  w.key("VerifiedForSendingStatus").boolean(sending_enabled(e.status));
  w.end_object();
  return w.take();
}

}  // namespace vouch::api::sesv2
