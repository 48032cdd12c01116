// The mail routes on the listener: the verification link
// /_vouch/verify-email (GET/HEAD show a page with a Confirm button and change
// nothing, so mail scanners and prefetchers cannot verify; POST from that
// page confirms; a custom verification email's link verifies on GET and
// redirects, as AWS's does) and the sent-mail inbox GET/DELETE /_aws/ses in
// LocalStack's shape.
#pragma once

#include <string>

#include "api/authn.h"
#include "http/message.h"
#include "service/identity_service.h"
#include "service/inbox.h"

namespace vouch::api::mail {

// Who may read the inbox.
enum class InboxAccess {
  kOff,     // 404
  kOpen,    // test mode: anyone, every account's mail (LocalStack's behaviour)
  kSigned,  // --inbox outside test mode: SigV4 (ses), the caller's account and Region only
};

struct MailApiOptions {
  InboxAccess inbox = InboxAccess::kOff;
  // The links' base (--public-url): only its origin may POST a confirmation.
  std::string public_url;
};

class MailApi {
 public:
  MailApi(service::IdentityService& identities, service::Inbox& inbox, Authenticator& auth,
          MailApiOptions options);

  http::HandlerResult handle(http::Request& req);

  static constexpr size_t kInboxPage = 100;      // messages per inbox page by default
  static constexpr size_t kInboxMaxPage = 1000;  // ?limit= at most

 private:
  http::HandlerResult open_link(const http::Request& req);
  http::HandlerResult confirm_link(const http::Request& req);
  // A custom verification link's GET: verify, then 303 to the template's URL.
  http::HandlerResult follow(const std::string& token);
  http::HandlerResult inbox(const http::Request& req);

  service::IdentityService& identities_;
  service::Inbox& inbox_;
  Authenticator& auth_;
  const MailApiOptions options_;
  const std::string origin_;  // scheme://host[:port] of public_url
};

// "https://h:8443/base" -> "https://h:8443" (the Origin a browser sends).
std::string origin_of(const std::string& url);

}  // namespace vouch::api::mail
