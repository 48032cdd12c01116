// SES v1 custom verification email templates and SendCustomVerificationEmail
// (awsQuery): the form in, one VerificationTemplates call, XML out, with the
// v1 error codes the model names.
#include <charconv>

#include "api/ses/ses_api.h"
#include "api/ses/ses_wire.h"
#include "api/ses/xml.h"

namespace vouch::api::ses {

namespace {

// The template errors' v1 codes (all 400, senderFault); the rest as any SES error.
http::Response template_error(const core::Error& e, const std::string& rid) {
  using core::ErrorCode;
  if (e.code == ErrorCode::kNotFound)
    return error_response(400, "CustomVerificationEmailTemplateDoesNotExist", e.message, rid);
  if (e.code == ErrorCode::kConflict)
    return error_response(400, "CustomVerificationEmailTemplateAlreadyExists", e.message, rid);
  if (e.code == ErrorCode::kInvalidArgument && e.field == service::kFromField)
    return error_response(400, "FromEmailAddressNotVerified", e.message, rid);
  if (e.code == ErrorCode::kInvalidArgument && e.field == service::kContentField)
    return error_response(400, "CustomVerificationEmailInvalidContent", e.message, rid);
  return error_response(e, rid);
}

http::Response missing(std::string_view name, const std::string& rid) {
  return error_response(400, "MissingParameter",
                        "The request must contain the parameter " + std::string(name) + ".", rid);
}

std::optional<std::string> param(const FormParams& p, std::string_view name) {
  const std::string* v = p.get(name);
  return v ? std::optional<std::string>(*v) : std::nullopt;
}

void template_fields(XmlWriter& x, const core::VerificationTemplate& t) {
  x.leaf("TemplateName", t.name)
      .leaf("FromEmailAddress", t.from)
      .leaf("TemplateSubject", t.subject)
      .leaf("SuccessRedirectionURL", t.success_url)
      .leaf("FailureRedirectionURL", t.failure_url);
}

}  // namespace

http::HandlerResult SesApi::create_template(Call& c) {
  core::VerificationTemplate t;
  t.scope = c.scope;
  for (auto [name, field] :
       {std::pair{"TemplateName", &t.name}, std::pair{"FromEmailAddress", &t.from},
        std::pair{"TemplateSubject", &t.subject}, std::pair{"TemplateContent", &t.content},
        std::pair{"SuccessRedirectionURL", &t.success_url},
        std::pair{"FailureRedirectionURL", &t.failure_url}}) {
    auto v = param(c.params, name);
    if (!v) return missing(name, c.request_id);
    *field = std::move(*v);
  }
  return http::Deferred([this, t = std::move(t), rid = c.request_id] {
    auto st = templates_->create(t);
    if (!st.ok()) return template_error(st.error(), rid);
    return ok_response("CreateCustomVerificationEmailTemplate", "", rid, false);
  });
}

http::HandlerResult SesApi::get_template(Call& c) {
  auto name = param(c.params, "TemplateName");
  if (!name) return missing("TemplateName", c.request_id);
  auto t = templates_->get(c.scope, *name);
  if (!t.ok()) return template_error(t.error(), c.request_id);
  XmlWriter x;
  template_fields(x, *t);
  x.leaf("TemplateContent", t->content);
  return ok_response("GetCustomVerificationEmailTemplate", x.take(), c.request_id);
}

http::HandlerResult SesApi::update_template(Call& c) {
  auto name = param(c.params, "TemplateName");
  if (!name) return missing("TemplateName", c.request_id);
  service::TemplateChanges changes{
      param(c.params, "FromEmailAddress"), param(c.params, "TemplateSubject"),
      param(c.params, "TemplateContent"), param(c.params, "SuccessRedirectionURL"),
      param(c.params, "FailureRedirectionURL")};
  return http::Deferred(
      [this, scope = c.scope, name = *name, changes = std::move(changes), rid = c.request_id] {
        auto st = templates_->update(scope, name, changes);
        if (!st.ok()) return template_error(st.error(), rid);
        return ok_response("UpdateCustomVerificationEmailTemplate", "", rid, false);
      });
}

http::HandlerResult SesApi::delete_template(Call& c) {
  auto name = param(c.params, "TemplateName");
  if (!name) return missing("TemplateName", c.request_id);
  return http::Deferred([this, scope = c.scope, name = *name, rid = c.request_id] {
    // v1 names no error for a missing template: deleting it succeeds.
    auto removed = templates_->remove(scope, name);
    if (!removed.ok()) return template_error(removed.error(), rid);
    return ok_response("DeleteCustomVerificationEmailTemplate", "", rid, false);
  });
}

http::HandlerResult SesApi::list_templates(Call& c) {
  std::optional<int> max_results;
  if (const std::string* m = c.params.get("MaxResults")) {
    int v = 0;
    auto [end, ec] = std::from_chars(m->data(), m->data() + m->size(), v);
    if (ec != std::errc() || end != m->data() + m->size()) {
      return error_response(400, "InvalidParameterValue",
                            "Value '" + *m + "' for parameter MaxResults is invalid.",
                            c.request_id);
    }
    // "less than 1 or greater than 50: the operation returns up to 50 results".
    if (v >= 1 && v <= service::VerificationTemplates::kMaxPage) max_results = v;
  }
  std::optional<std::string> next;
  if (const std::string* n = c.params.get("NextToken"); n && !n->empty()) next = *n;
  auto page = templates_->list(c.scope, max_results, next);
  if (!page.ok()) return template_error(page.error(), c.request_id);
  XmlWriter x;
  if (page->items.empty()) {
    x.empty("CustomVerificationEmailTemplates");
  } else {
    x.open("CustomVerificationEmailTemplates");
    for (const auto& t : page->items) {
      x.open("member");
      template_fields(x, t);
      x.close("member");
    }
    x.close("CustomVerificationEmailTemplates");
  }
  if (page->next_token) x.leaf("NextToken", *page->next_token);
  return ok_response("ListCustomVerificationEmailTemplates", x.take(), c.request_id);
}

http::HandlerResult SesApi::send_custom_verification(Call& c) {
  auto email = param(c.params, "EmailAddress");
  if (!email) return missing("EmailAddress", c.request_id);
  auto name = param(c.params, "TemplateName");
  if (!name) return missing("TemplateName", c.request_id);
  if (auto set = param(c.params, "ConfigurationSetName"); set && !set->empty()) {
    // No configuration sets exist here.
    return error_response(400, "ConfigurationSetDoesNotExist",
                          "Configuration set <" + *set + "> does not exist.", c.request_id);
  }
  return http::Deferred([this, scope = c.scope, email = *email, name = *name, rid = c.request_id] {
    auto id = templates_->send(scope, email, name);
    if (!id.ok()) return template_error(id.error(), rid);
    XmlWriter x;
    x.leaf("MessageId", *id);
    return ok_response("SendCustomVerificationEmail", x.take(), rid);
  });
}

}  // namespace vouch::api::ses
