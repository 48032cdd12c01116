#include "api/mail/mail_api.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "api/common/escape.h"
#include "api/common/form.h"
#include "api/common/json.h"
#include "core/rfc3339.h"

namespace vouch::api::mail {

using nlohmann::json;

namespace {

constexpr std::string_view kVerify = "/_vouch/verify-email";

// Pages about a link are never cached, framed, or leaked through Referer.
std::vector<http::Header> page_headers() {
  return {{"Cache-Control", "no-store"},
          {"Referrer-Policy", "no-referrer"},
          {"X-Frame-Options", "DENY"},
          {"X-Content-Type-Options", "nosniff"},
          {"Content-Security-Policy",
           "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"}};
}

http::Response page(int status, const std::string& title, const std::string& text,
                    const std::string& extra_html = "") {
  std::string body = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" +
                     xml_escape(title) + "</title></head><body><h1>" + xml_escape(title) +
                     "</h1><p>" + xml_escape(text) + "</p>" + extra_html + "</body></html>\n";
  return http::Response{status, "text/html; charset=utf-8", page_headers(), std::move(body)};
}

// The pages for a link that cannot (or can no longer) be confirmed.
http::Response refusal(const service::ConfirmResult& r) {
  switch (r.outcome) {
    case service::ConfirmOutcome::kAlreadyVerified:
      return page(410, "Link already used",
                  r.address + " is already verified; this link cannot be used again.");
    case service::ConfirmOutcome::kExpired:
      return page(410, "Link expired",
                  "This link has expired (links work for 24 hours). Request verification of " +
                      r.address + " again to get a new one.");
    case service::ConfirmOutcome::kVerified:
    case service::ConfirmOutcome::kConfirmable:
    case service::ConfirmOutcome::kInvalid: break;
  }
  return page(400, "Invalid link",
              "This verification link is not valid: it was changed, replaced by a newer one, or "
              "the address is no longer being verified.");
}

http::Response try_again() {
  return page(503, "Try again",
              "The verification could not be recorded just now. Reload this page in a moment.");
}

json message_json(const core::Mail& m) {
  return {{"Id", std::to_string(m.id)},
          {"Region", m.scope.region},
          {"Destination", {{"ToAddresses", {m.to}}}},
          {"Source", m.from},
          {"Subject", m.subject},
          {"Body", {{"text_part", m.text_body}, {"html_part", m.html_body}}},
          {"Timestamp", core::format_rfc3339(m.created_at)},
          {"Status", mail_state_name(m.state)},
          {"Attempts", m.attempts},
          {"LastError", m.last_error}};
}

template <class T>
bool parse_int(const std::string& s, T* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

http::Response bad_parameter(const std::string& message) {
  return error_response(400, "ValidationException", {{"message", message}});
}

}  // namespace

std::string origin_of(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto slash = url.find('/', scheme + 3);
  return slash == std::string::npos ? url : url.substr(0, slash);
}

MailApi::MailApi(service::IdentityService& identities, service::Inbox& inbox, Authenticator& auth,
                 MailApiOptions options)
    : identities_(identities),
      inbox_(inbox),
      auth_(auth),
      options_(std::move(options)),
      origin_(origin_of(options_.public_url)) {}

http::HandlerResult MailApi::handle(http::Request& req) {
  if (req.path() != kVerify) return inbox(req);
  if (req.method == "GET" || req.method == "HEAD") return open_link(req);
  if (req.method == "POST") return confirm_link(req);
  return page(405, "Method not allowed", "Open the link from the message in a browser.");
}

// GET and HEAD change nothing: mail scanners and link previews fetch every
// link they see. A valid link shows a form whose POST confirms.
http::HandlerResult MailApi::open_link(const http::Request& req) {
  auto q = parse_form(req.query(), false);
  const std::string* token = q ? q->get("token") : nullptr;
  if (!token || token->empty()) {
    return page(400, "Invalid link",
                "This verification link is incomplete. Copy the whole link from the message.");
  }
  // A custom verification email's link verifies on the click and redirects
  // to its template's URL, as AWS's does; HEAD still changes nothing.
  if (req.method == "GET" && identities_.is_custom_link(*token)) return follow(*token);
  auto r = identities_.inspect_email_link(*token);
  if (!r.ok()) return try_again();
  if (r->outcome != service::ConfirmOutcome::kConfirmable) return refusal(*r);
  // A relative action: the form posts back to this same path, also behind a
  // proxy that serves vouch under a prefix.
  const std::string form = "<form method=\"post\" action=\"verify-email\">"
                           "<input type=\"hidden\" name=\"token\" value=\"" +
                           xml_escape(*token) +
                           "\"><button type=\"submit\">Confirm</button></form>";
  return page(
      200, "Confirm your email address",
      "Press Confirm to verify " + r->address + ". If you did not ask for this, close this page.",
      form);
}

http::HandlerResult MailApi::follow(const std::string& token) {
  return http::Deferred([this, token] {
    auto r = identities_.follow_custom_link(token);
    if (!r.ok()) return try_again();
    if (!r->redirect.empty()) {
      auto headers = page_headers();
      headers.push_back({"Location", r->redirect});
      return http::Response{303, "text/plain; charset=utf-8", std::move(headers), ""};
    }
    // The template was deleted since: vouch's own pages say what happened.
    if (r->outcome == service::ConfirmOutcome::kVerified) {
      return page(200, "Email address verified",
                  "You have successfully verified " + r->address + ". You can close this page.");
    }
    return refusal(*r);
  });
}

http::HandlerResult MailApi::confirm_link(const http::Request& req) {
  // Only the confirmation page may post here: refuse other sites' forms.
  const std::string* site = req.header("Sec-Fetch-Site");
  const std::string* origin = req.header("Origin");
  if ((site && http::iequals(*site, "cross-site")) || (origin && *origin != origin_)) {
    return page(403, "Not confirmed",
                "Confirm the address from the page the link in the message opens.");
  }
  auto form = parse_form(req.body, false);
  const std::string* token = form ? form->get("token") : nullptr;
  if (!token || token->empty()) {
    return page(400, "Invalid link",
                "This verification link is incomplete. Copy the whole link from the message.");
  }
  return http::Deferred([this, token = *token] {
    auto r = identities_.confirm_email(token);
    if (!r.ok()) return try_again();
    if (r->outcome == service::ConfirmOutcome::kVerified) {
      return page(200, "Email address verified",
                  "You have successfully verified " + r->address + ". You can close this page.");
    }
    return refusal(*r);
  });
}

http::HandlerResult MailApi::inbox(const http::Request& req) {
  if (options_.inbox == InboxAccess::kOff) {
    return error_response(404, "UnknownOperationException",
                          {{"message", "The inbox is available in test mode or with --inbox."}});
  }
  if (req.method != "GET" && req.method != "DELETE") {
    return error_response(405, "MethodNotAllowed", {{"message", "Use GET or DELETE."}});
  }
  // Outside test mode the inbox holds live verification links: only the
  // signed caller's own account and Region.
  std::optional<core::Scope> scope;
  if (options_.inbox == InboxAccess::kSigned) {
    auto who = auth_.authenticate(req, Dialect::kRestJson, "ses");
    if (auto* err = std::get_if<auth::WireAuthError>(&who)) {
      return error_response(err->http_status, err->code, {{"message", err->message}});
    }
    scope = std::get<core::Scope>(who);
  }
  if (req.method == "DELETE") {
    // Hides delivered and failed mail; queued mail is still delivered.
    return http::Deferred([this, scope] {
      auto st = inbox_.clear(scope);
      if (!st.ok()) return error_response(st.error());
      return http::Response{204, "", {}, ""};
    });
  }
  service::Inbox::Query query;
  query.scope = scope;
  size_t limit = kInboxPage;
  if (auto q = parse_form(req.query(), false)) {
    if (const std::string* e = q->get("email"); e && !e->empty()) query.address = *e;
    if (const std::string* i = q->get("id"); i && !i->empty()) {
      int64_t v = 0;
      if (!parse_int(*i, &v)) return json_response(200, {{"messages", json::array()}});
      query.id = v;
    }
    if (const std::string* l = q->get("limit"); l && !l->empty()) {
      if (!parse_int(*l, &limit) || limit < 1 || limit > kInboxMaxPage) {
        return bad_parameter("limit must be between 1 and " + std::to_string(kInboxMaxPage) + ".");
      }
    }
    if (const std::string* n = q->get("nextToken"); n && !n->empty()) {
      if (!parse_int(*n, &query.after_id) || query.after_id < 0)
        return bad_parameter("Invalid nextToken.");
    }
  }
  query.limit = limit;
  auto page = inbox_.page(query);
  if (!page.ok()) return error_response(page.error());
  json messages = json::array();
  for (const auto& m : page->messages) messages.push_back(message_json(m));
  json body = {{"messages", std::move(messages)}};
  if (page->next_after) body["nextToken"] = std::to_string(*page->next_after);
  return json_response(200, body);
}

}  // namespace vouch::api::mail
