#include "api/mail/mail_api.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "api/lattice/lattice_wire.h"
#include "api/ses/form.h"
#include "api/ses/xml.h"
#include "core/rfc3339.h"

namespace vouch::api::mail {

using nlohmann::json;

namespace {

constexpr std::string_view kVerify = "/_vouch/verify-email";
constexpr std::string_view kInbox = "/_aws/ses";

http::Response page(int status, const std::string& title, const std::string& text) {
  std::string body = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + xml_escape(title) +
                     "</title></head><body><h1>" + xml_escape(title) + "</h1><p>" + xml_escape(text) +
                     "</p></body></html>\n";
  return http::Response{status, "text/html; charset=utf-8", {{"Cache-Control", "no-store"}}, std::move(body)};
}

json message_json(const core::Mail& m) {
  return {{"Id", std::to_string(m.id)},
          {"Region", m.scope.region},
          {"Destination", {{"ToAddresses", {m.to}}}},
          {"Source", m.from},
          {"Subject", m.subject},
          {"Body", {{"text_part", m.text_body}, {"html_part", m.html_body}}},
          {"Timestamp", core::format_rfc3339(m.created_at)},
          {"Status", m.state == core::Mail::State::kSent     ? "sent"
                     : m.state == core::Mail::State::kFailed ? "failed"
                                                             : "queued"},
          {"Attempts", m.attempts},
          {"LastError", m.last_error}};
}

}  // namespace

MailApi::MailApi(service::IdentityService& identities, core::Store& store, bool inbox_enabled)
    : identities_(identities), store_(store), inbox_enabled_(inbox_enabled) {}

bool MailApi::owns(std::string_view path) { return path == kVerify || path == kInbox; }

http::Outcome MailApi::handle(http::Request& req) {
  return req.path() == kVerify ? verify_link(req) : inbox(req);
}

http::Outcome MailApi::verify_link(const http::Request& req) {
  if (req.method != "GET" && req.method != "HEAD") {
    return page(405, "Method not allowed", "Open the link from the message in a browser.");
  }
  auto q = parse_form(req.query(), false);
  const std::string* token = q ? q->get("token") : nullptr;
  if (!token || token->empty()) {
    return page(400, "Invalid link", "This verification link is incomplete. Copy the whole link from the message.");
  }
  return http::Deferred([this, token = *token] {
    auto r = identities_.confirm_email(token);
    if (!r.ok()) return page(503, "Try again", "The verification could not be recorded just now. Reload this page in a moment.");
    switch (r->outcome) {
      case service::ConfirmOutcome::kVerified:
        return page(200, "Email address verified",
                    "You have successfully verified " + r->address + ". You can close this page.");
      case service::ConfirmOutcome::kAlreadyVerified:
        return page(410, "Link already used",
                    r->address + " is already verified; this link cannot be used again.");
      case service::ConfirmOutcome::kExpired:
        return page(410, "Link expired",
                    "This link has expired (links work for 24 hours). Request verification of " +
                        r->address + " again to get a new one.");
      case service::ConfirmOutcome::kInvalid:
        break;
    }
    return page(400, "Invalid link",
                "This verification link is not valid: it was changed, replaced by a newer one, or "
                "the address is no longer being verified.");
  });
}

http::Outcome MailApi::inbox(const http::Request& req) {
  if (!inbox_enabled_) {
    return lattice::error_response(404, "UnknownOperationException",
                                   {{"message", "The inbox is available in test mode or with --inbox."}});
  }
  auto q = parse_form(req.query(), false);
  std::optional<std::string> email;
  std::optional<int64_t> id;
  if (q) {
    if (const std::string* e = q->get("email"); e && !e->empty()) email = *e;
    if (const std::string* i = q->get("id"); i && !i->empty()) {
      int64_t v = 0;
      auto [end, ec] = std::from_chars(i->data(), i->data() + i->size(), v);
      if (ec != std::errc() || end != i->data() + i->size()) return lattice::json_response(200, {{"messages", json::array()}});
      id = v;
    }
  }
  if (req.method == "DELETE") {
    return http::Deferred([this] {
      auto st = store_.clear_mail();
      if (!st.ok()) return lattice::error_response(st.error());
      return http::Response{204, "", {}, ""};
    });
  }
  if (req.method != "GET") {
    return lattice::error_response(405, "MethodNotAllowed", {{"message", "Use GET or DELETE."}});
  }
  auto mails = store_.list_mail(email, id);
  if (!mails.ok()) return lattice::error_response(mails.error());
  json messages = json::array();
  for (const auto& m : *mails) messages.push_back(message_json(m));
  return lattice::json_response(200, {{"messages", std::move(messages)}});
}

}  // namespace vouch::api::mail
