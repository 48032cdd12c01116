#include "service/verification_templates.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace vouch::service {

using core::Error;
using core::ErrorCode;
using core::Result;
using core::Scope;
using core::VerificationTemplate;

namespace {

// The tags the SES Developer Guide allows in custom verification email
// templates (FAQ Q5), sorted for binary search.
constexpr std::array<std::string_view, 74> kAllowedTags = {
    "abbr",  "acronym", "address",  "area",     "b",      "bdo",    "big",   "blockquote", "body",
    "br",    "button",  "caption",  "center",   "cite",   "code",   "col",   "colgroup",   "dd",
    "del",   "dfn",     "dir",      "div",      "dl",     "dt",     "em",    "fieldset",   "font",
    "form",  "h1",      "h2",       "h3",       "h4",     "h5",     "h6",    "head",       "hr",
    "html",  "i",       "img",      "input",    "ins",    "kbd",    "label", "legend",     "li",
    "map",   "menu",    "ol",       "optgroup", "option", "p",      "pre",   "q",          "s",
    "samp",  "select",  "small",    "span",     "strike", "strong", "sub",   "sup",        "table",
    "tbody", "td",      "textarea", "tfoot",    "th",     "thead",  "tr",    "tt",         "u",
    "ul",    "var"};

Error template_missing(const std::string& name) {
  return core::not_found("Custom verification email template " + name + " does not exist.", name);
}

Error from_not_verified(const std::string& from) {
  return Error{ErrorCode::kInvalidArgument,
               "Email address " + from + " is not verified.",
               {},
               std::string(kFromField)};
}

}  // namespace

bool valid_template_name(const std::string& name) {
  if (name.empty() || name.size() > VerificationTemplates::kMaxNameLength) return false;
  return std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
}

bool valid_redirect_url(const std::string& url) {
  if (url.size() > VerificationTemplates::kMaxUrlLength) return false;
  std::string_view rest;
  if (url.rfind("https://", 0) == 0) {
    rest = std::string_view(url).substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = std::string_view(url).substr(7);
  } else {
    return false;
  }
  const std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (host.empty() || host.front() == ':' || host.find('@') != std::string_view::npos) return false;
  return std::none_of(url.begin(), url.end(), [](unsigned char c) {
    return c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"' || c == '\\';
  });
}

std::string disallowed_tag(const std::string& html) {
  for (size_t i = html.find('<'); i != std::string::npos; i = html.find('<', i + 1)) {
    if (html.compare(i, 4, "<!--") == 0) {  // a comment is text to its end
      i = html.find("-->", i);
      if (i == std::string::npos) break;
      continue;
    }
    size_t j = i + 1;
    if (j < html.size() && (html[j] == '!' || html[j] == '?')) continue;  // doctype
    if (j < html.size() && html[j] == '/') ++j;
    size_t k = j;
    while (k < html.size() && std::isalnum(static_cast<unsigned char>(html[k]))) ++k;
    if (k == j) continue;  // a lone '<' is text
    std::string tag = html.substr(j, k - j);
    std::transform(tag.begin(), tag.end(), tag.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!std::binary_search(kAllowedTags.begin(), kAllowedTags.end(), tag)) return tag;
  }
  return {};
}

VerificationTemplates::VerificationTemplates(core::Store& store, IdentityService& identities,
                                             RateLimiter& limiter, const PageTokens& tokens)
    : store_(store), identities_(identities), limiter_(limiter), tokens_(tokens) {}

core::Status VerificationTemplates::validate(const VerificationTemplate& t) {
  if (!valid_template_name(t.name)) {
    return core::invalid_argument(
        "Invalid template name: use 1 to 64 letters, digits, underscores or dashes.",
        "TemplateName");
  }
  if (t.subject.empty())
    return core::invalid_argument("TemplateSubject is empty.", "TemplateSubject");
  if (t.content.empty() || t.content.size() > kMaxContentBytes) {
    return Error{ErrorCode::kInvalidArgument,
                 "Template content must be between 1 byte and 10 MB.",
                 {},
                 std::string(kContentField)};
  }
  if (auto tag = disallowed_tag(t.content); !tag.empty()) {
    return Error{ErrorCode::kInvalidArgument,
                 "Template content contains the HTML tag <" + tag +
                     ">, which custom verification emails may not use.",
                 {},
                 std::string(kContentField)};
  }
  for (const auto& [url, field] : {std::pair{&t.success_url, "SuccessRedirectionURL"},
                                   std::pair{&t.failure_url, "FailureRedirectionURL"}}) {
    if (!valid_redirect_url(*url)) {
      return core::invalid_argument(
          "Invalid " + std::string(field) + ": " + *url + " is not an absolute http or https URL.",
          field);
    }
  }
  auto may = identities_.may_send_from(t.scope, t.from);
  if (!may.ok()) return may.error();
  if (!*may) return from_not_verified(t.from);
  return {};
}

core::Status VerificationTemplates::create(const VerificationTemplate& t) {
  if (auto s = limiter_.admit(t.scope, "CreateCustomVerificationEmailTemplate"); !s.ok()) return s;
  if (auto s = validate(t); !s.ok()) return s;
  auto in = store_.insert_template(t, kMaxTemplates);
  if (in.ok()) return {};
  if (in.error().code == ErrorCode::kConflict) {
    return Error{ErrorCode::kConflict,
                 "Custom verification email template " + t.name + " already exists",
                 t.name,
                 {}};
  }
  if (in.error().code == ErrorCode::kQuotaExceeded) {
    return Error{ErrorCode::kQuotaExceeded,
                 "Maximum number of custom verification email templates (" +
                     std::to_string(kMaxTemplates) + ") reached.",
                 t.name,
                 {}};
  }
  return in.error();
}

Result<VerificationTemplate> VerificationTemplates::get(const Scope& scope,
                                                        const std::string& name) {
  if (auto s = limiter_.admit(scope, "GetCustomVerificationEmailTemplate"); !s.ok())
    return s.error();
  auto t = store_.get_template(scope, name);
  if (!t.ok()) return t.error();
  if (!*t) return template_missing(name);
  return std::move(**t);
}

core::Status VerificationTemplates::update(const Scope& scope, const std::string& name,
                                           const TemplateChanges& changes) {
  if (auto s = limiter_.admit(scope, "UpdateCustomVerificationEmailTemplate"); !s.ok()) return s;
  auto found = store_.get_template(scope, name);
  if (!found.ok()) return found.error();
  if (!*found) return template_missing(name);
  VerificationTemplate t = std::move(**found);
  if (changes.from) t.from = *changes.from;
  if (changes.subject) t.subject = *changes.subject;
  if (changes.content) t.content = *changes.content;
  if (changes.success_url) t.success_url = *changes.success_url;
  if (changes.failure_url) t.failure_url = *changes.failure_url;
  if (auto s = validate(t); !s.ok()) return s;
  auto st = store_.update_template(t);
  if (!st.ok() && st.error().code == ErrorCode::kNotFound) return template_missing(name);
  return st;
}

Result<bool> VerificationTemplates::remove(const Scope& scope, const std::string& name) {
  if (auto s = limiter_.admit(scope, "DeleteCustomVerificationEmailTemplate"); !s.ok())
    return s.error();
  return store_.delete_template(scope, name);
}

Result<TemplatePage> VerificationTemplates::list(const Scope& scope, std::optional<int> max_items,
                                                 const std::optional<std::string>& next_token) {
  if (auto s = limiter_.admit(scope, "ListCustomVerificationEmailTemplates"); !s.ok())
    return s.error();
  const int limit = max_items.value_or(kMaxPage);
  if (limit < 1 || limit > kMaxPage) {
    return core::invalid_argument("MaxResults must be between 1 and 50.", "MaxResults");
  }
  int64_t after = 0;
  if (next_token) {
    auto seq = tokens_.decode(scope, "ses:templates", *next_token);
    if (!seq) return core::invalid_argument("Invalid NextToken.", "NextToken");
    after = *seq;
  }
  auto rows = store_.list_templates(scope, after, static_cast<size_t>(limit) + 1);
  if (!rows.ok()) return rows.error();
  TemplatePage page;
  const size_t n = std::min(rows->size(), static_cast<size_t>(limit));
  page.items.assign(std::make_move_iterator(rows->begin()),
                    std::make_move_iterator(rows->begin() + static_cast<ptrdiff_t>(n)));
  if (rows->size() > n)
    page.next_token = tokens_.encode(scope, "ses:templates", page.items.back().seq);
  return page;
}

Result<std::string> VerificationTemplates::send(const Scope& scope, const std::string& email,
                                                const std::string& template_name) {
  if (auto s = limiter_.admit(scope, "SendCustomVerificationEmail"); !s.ok()) return s.error();
  auto t = store_.get_template(scope, template_name);
  if (!t.ok()) return t.error();
  if (!*t) return template_missing(template_name);
  // The From may have lost its verification since the template was made.
  auto may = identities_.may_send_from(scope, (*t)->from);
  if (!may.ok()) return may.error();
  if (!*may) return from_not_verified((*t)->from);
  return identities_.send_custom_verification(
      scope, email, mail::CustomMail{(*t)->name, (*t)->from, (*t)->subject, (*t)->content});
}

}  // namespace vouch::service
