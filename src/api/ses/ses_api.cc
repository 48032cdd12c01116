#include "api/ses/ses_api.h"

#include <charconv>

#include "api/ses/ses_wire.h"
#include "api/ses/xml.h"

namespace vouch::api::ses {

namespace {

const std::string* require(const FormParams& p, std::string_view name, http::Response* err,
                           const std::string& request_id) {
  const std::string* v = p.get(name);
  if (!v) {
    *err = error_response(400, "MissingParameter",
                          "The request must contain the parameter " + std::string(name) + ".",
                          request_id);
  }
  return v;
}

// Identities.member.N; "Identities=" (how botocore sends an empty list) is fine.
bool identities_param(const FormParams& p, std::vector<std::string>* out) {
  *out = p.list("Identities");
  return !out->empty() || p.get("Identities") != nullptr;
}

http::Response missing_identities(const std::string& request_id) {
  return error_response(400, "MissingParameter",
                        "The request must contain the parameter Identities.", request_id);
}

std::string member_list(std::string_view tag, const std::vector<std::string>& items) {
  XmlWriter x;
  if (items.empty()) {
    x.empty(tag);
  } else {
    x.open(tag);
    for (const auto& i : items) x.leaf("member", i);
    x.close(tag);
  }
  return x.take();
}

std::string_view dkim_status_name(service::DkimStatus s) {
  switch (s) {
    case service::DkimStatus::kNotStarted: return "NotStarted";
    case service::DkimStatus::kPending: return "Pending";
    case service::DkimStatus::kSuccess: return "Success";
    case service::DkimStatus::kFailed: return "Failed";
    case service::DkimStatus::kTemporaryFailure: return "TemporaryFailure";
  }
  return "Pending";
}

// Runs a durable write off the I/O threads and renders its result.
template <class Work>
http::HandlerResult deferred(Work work) {
  return http::Deferred(std::move(work));
}

}  // namespace

SesApi::SesApi(service::IdentityService& identities, Authenticator& auth)
    : identities_(identities),
      auth_(auth),
      actions_{
          {"VerifyDomainIdentity", &SesApi::verify_domain_identity},
          {"VerifyEmailIdentity", &SesApi::verify_email_identity},
          {"VerifyEmailAddress", &SesApi::verify_email_address},
          {"GetIdentityVerificationAttributes", &SesApi::get_identity_verification_attributes},
          {"ListIdentities", &SesApi::list_identities},
          {"DeleteIdentity", &SesApi::delete_identity},
          {"ListVerifiedEmailAddresses", &SesApi::list_verified_email_addresses},
          {"DeleteVerifiedEmailAddress", &SesApi::delete_verified_email_address},
          {"VerifyDomainDkim", &SesApi::verify_domain_dkim},
          {"GetIdentityDkimAttributes", &SesApi::get_identity_dkim_attributes},
          {"CreateCustomVerificationEmailTemplate", &SesApi::create_template},
          {"GetCustomVerificationEmailTemplate", &SesApi::get_template},
          {"UpdateCustomVerificationEmailTemplate", &SesApi::update_template},
          {"DeleteCustomVerificationEmailTemplate", &SesApi::delete_template},
          {"ListCustomVerificationEmailTemplates", &SesApi::list_templates},
          {"SendCustomVerificationEmail", &SesApi::send_custom_verification},
          {"SetIdentityMailFromDomain", &SesApi::set_identity_mail_from_domain},
          {"GetIdentityMailFromDomainAttributes",
           &SesApi::get_identity_mail_from_domain_attributes},
      } {}

http::HandlerResult SesApi::handle(http::Request& req) {
  const std::string& rid = req.request_id;
  auto scope = auth_.authenticate(req, Dialect::kQuery, "ses");
  if (auto* err = std::get_if<auth::WireAuthError>(&scope)) {
    return error_response(err->http_status, err->code, err->message, rid);
  }
  // Parameters come from the query string (GET, presigned) and the form body.
  auto params = parse_form(req.query());
  auto body = parse_form(req.method == "POST" ? std::string_view(req.body) : std::string_view());
  if (!params || !body) {
    // AWS common errors: MalformedQueryString is HTTP 404 (spec §3.4).
    return error_response(404, "MalformedQueryString", "The query string is malformed.", rid);
  }
  if (params->items.empty()) {
    params = std::move(body);
  } else {
    for (auto& kv : body->items) params->items.push_back(std::move(kv));
  }
  const std::string* action = params->get("Action");
  if (!action || action->empty()) {
    return error_response(400, "MissingAction", "Missing Action", rid);
  }
  const std::string* version = params->get("Version");
  auto it = actions_.find(*action);
  const bool is_template_op = it != actions_.end() &&
                              action->find("CustomVerification") != std::string::npos;
  if (it == actions_.end() || (version && *version != "2010-12-01") ||
      (is_template_op && !templates_)) {
    return error_response(400, "InvalidAction",
                          "The action " + *action + " is not valid for this web service.", rid);
  }
  Call call{std::get<core::Scope>(scope), std::move(*params), rid};
  return (this->*(it->second))(call);
}

http::HandlerResult SesApi::simple_write(Call& c, std::string_view param, std::string_view op,
                                         StatusOp fn, bool with_result) {
  http::Response err;
  const std::string* value = require(c.params, param, &err, c.request_id);
  if (!value) return err;
  return deferred([this, scope = c.scope, value = *value, rid = c.request_id, op = std::string(op),
                   fn, with_result] {
    auto st = (identities_.*fn)(scope, value, op);
    if (!st.ok()) return error_response(st.error(), rid);
    return ok_response(op, "", rid, with_result);
  });
}

http::HandlerResult SesApi::verify_domain_identity(Call& c) {
  http::Response err;
  const std::string* domain = require(c.params, "Domain", &err, c.request_id);
  if (!domain) return err;
  return deferred([this, scope = c.scope, domain = *domain, rid = c.request_id] {
    auto token = identities_.verify_domain(scope, domain);
    if (!token.ok()) return error_response(token.error(), rid);
    XmlWriter x;
    x.leaf("VerificationToken", *token);
    return ok_response("VerifyDomainIdentity", x.take(), rid);
  });
}

http::HandlerResult SesApi::verify_email_identity(Call& c) {
  return simple_write(c, "EmailAddress", "VerifyEmailIdentity",
                      &service::IdentityService::verify_email, true);
}

http::HandlerResult SesApi::verify_email_address(Call& c) {
  return simple_write(c, "EmailAddress", "VerifyEmailAddress",
                      &service::IdentityService::verify_email, false);
}

namespace {

http::Response verification_attributes(const std::vector<service::IdentityAttributes>& attrs,
                                       const std::string& request_id) {
  XmlWriter x(attrs.size() * 200 + 64);  // one entry is ~190 bytes
  if (attrs.empty()) {
    x.empty("VerificationAttributes");
  } else {
    x.open("VerificationAttributes");
    for (const auto& a : attrs) {
      x.open("entry").leaf("key", a.name).open("value");
      if (a.kind == core::ClaimKind::kSesDomain) x.leaf("VerificationToken", a.token);
      x.leaf("VerificationStatus", status_name(a.status));
      x.close("value").close("entry");
    }
    x.close("VerificationAttributes");
  }
  return ok_response("GetIdentityVerificationAttributes", x.take(), request_id);
}

}  // namespace

http::HandlerResult SesApi::get_identity_verification_attributes(Call& c) {
  std::vector<std::string> ids;
  if (!identities_param(c.params, &ids)) return missing_identities(c.request_id);
  static const std::string kOp = "GetIdentityVerificationAttributes";
  if (identities_.queues_attributes_read(ids.size())) {
    // Started on the I/O thread, answered when its batch is read: the
    // thread serves other connections meanwhile.
    return http::Async{
        [this, scope = c.scope, ids = std::move(ids), rid = c.request_id](http::Done done) mutable {
          identities_.with_attributes_later(
              scope, std::move(ids), kOp,
              [done = std::move(done), rid](const core::Status& st, const auto& attrs) {
                done(st.ok() ? verification_attributes(attrs, rid)
                             : error_response(st.error(), rid));
              });
        },
        /*quick_start=*/true};
  }
  http::Response out;
  auto st = identities_.with_attributes(c.scope, ids, kOp, [&](const auto& attrs) {
    out = verification_attributes(attrs, c.request_id);
  });
  if (!st.ok()) return error_response(st.error(), c.request_id);
  return out;
}

http::HandlerResult SesApi::list_identities(Call& c) {
  auto type = service::IdentityType::kAny;
  if (const std::string* t = c.params.get("IdentityType")) {
    if (*t == "Domain") {
      type = service::IdentityType::kDomain;
    } else if (*t == "EmailAddress") {
      type = service::IdentityType::kEmailAddress;
    } else {
      return error_response(400, "ValidationError",
                            "1 validation error detected: Value '" + *t +
                                "' at 'identityType' failed to satisfy constraint: Member must "
                                "satisfy enum value set: [Domain, EmailAddress]",
                            c.request_id);
    }
  }
  std::optional<int> max_items;
  if (const std::string* m = c.params.get("MaxItems")) {
    int v = 0;
    auto [end, ec] = std::from_chars(m->data(), m->data() + m->size(), v);
    if (ec != std::errc() || end != m->data() + m->size()) {
      return error_response(400, "InvalidParameterValue",
                            "Value '" + *m + "' for parameter MaxItems is invalid.", c.request_id);
    }
    max_items = v;
  }
  std::optional<std::string> next;
  if (const std::string* n = c.params.get("NextToken"); n && !n->empty()) next = *n;
  auto page = identities_.list(c.scope, type, max_items, next);
  if (!page.ok()) return error_response(page.error(), c.request_id);
  std::string xml = member_list("Identities", page->identities);
  if (page->next_token) xml += "<NextToken>" + xml_escape(*page->next_token) + "</NextToken>";
  return ok_response("ListIdentities", xml, c.request_id);
}

http::HandlerResult SesApi::delete_identity(Call& c) {
  return simple_write(c, "Identity", "DeleteIdentity", &service::IdentityService::delete_identity,
                      true);
}

http::HandlerResult SesApi::list_verified_email_addresses(Call& c) {
  auto emails = identities_.list_verified_emails(c.scope);
  if (!emails.ok()) return error_response(emails.error(), c.request_id);
  return ok_response("ListVerifiedEmailAddresses", member_list("VerifiedEmailAddresses", *emails),
                     c.request_id);
}

http::HandlerResult SesApi::delete_verified_email_address(Call& c) {
  return simple_write(c, "EmailAddress", "DeleteVerifiedEmailAddress",
                      &service::IdentityService::delete_identity, false);
}

http::HandlerResult SesApi::verify_domain_dkim(Call& c) {
  http::Response err;
  const std::string* domain = require(c.params, "Domain", &err, c.request_id);
  if (!domain) return err;
  return deferred([this, scope = c.scope, domain = *domain, rid = c.request_id] {
    auto tokens = identities_.verify_domain_dkim(scope, domain);
    if (!tokens.ok()) return error_response(tokens.error(), rid);
    return ok_response("VerifyDomainDkim", member_list("DkimTokens", *tokens), rid);
  });
}

http::HandlerResult SesApi::get_identity_dkim_attributes(Call& c) {
  std::vector<std::string> ids;
  if (!identities_param(c.params, &ids)) return missing_identities(c.request_id);
  auto attrs = identities_.get_dkim_attributes(c.scope, ids);
  if (!attrs.ok()) return error_response(attrs.error(), c.request_id);
  XmlWriter x;
  if (attrs->empty()) {
    x.empty("DkimAttributes");
  } else {
    x.open("DkimAttributes");
    for (const auto& [name, view] : *attrs) {
      const bool enabled = view.signing_enabled;
      x.open("entry").leaf("key", name).open("value");
      x.leaf("DkimEnabled", enabled ? "true" : "false");
      x.leaf("DkimVerificationStatus", dkim_status_name(view.status));
      if (!view.tokens.empty()) x.raw(member_list("DkimTokens", view.tokens));
      x.close("value").close("entry");
    }
    x.close("DkimAttributes");
  }
  return ok_response("GetIdentityDkimAttributes", x.take(), c.request_id);
}

}  // namespace vouch::api::ses
