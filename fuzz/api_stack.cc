#include "fuzz/api_stack.h"

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <future>
#include <optional>

#include <nlohmann/json.hpp>

#include "api/authn.h"
#include "api/control/control_api.h"
#include "api/control/events_api.h"
#include "api/lattice/lattice_api.h"
#include "api/mail/mail_api.h"
#include "api/router.h"
#include "api/ses/ses_api.h"
#include "api/sesv2/sesv2_api.h"
#include "core/clock.h"
#include "core/random.h"
#include "fuzz/fuzz_check.h"
#include "mail/link_token.h"
#include "scheduler/scheduler.h"
#include "service/accounts.h"
#include "service/claim_admin.h"
#include "service/event_feed.h"
#include "service/identity_service.h"
#include "service/inbox.h"
#include "service/lattice_service.h"
#include "service/page_token.h"
#include "service/rate_limiter.h"
#include "service/verification_templates.h"
#include "store/sqlite/sqlite_store.h"

namespace vouch::fuzz {

namespace {

const core::TimePoint kNow{std::chrono::seconds(1767227400)};  // 2026-01-01T00:30:00Z

// Answers every lookup with nothing from one resolver, at once.
class NoDns final : public core::DnsResolver {
 public:
  void lookup(const std::string&, core::RecordType,
              std::function<void(std::vector<core::DnsAnswer>)> done) override {
    core::DnsAnswer a;
    a.resolver = "fuzz";
    a.kind = core::DnsAnswer::Kind::kNoData;
    done({a});
  }
  size_t perspectives() const override { return 1; }
};

std::string temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "vouch-fuzz-store-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
  return tmpl;
}

std::unique_ptr<store::sqlite::SqliteStore> open_store(const std::string& dir) {
  auto s = store::sqlite::SqliteStore::open(dir + "/vouch.db");
  if (!s.ok()) {
    std::fprintf(stderr, "fuzz: cannot open store: %s\n", s.error().message.c_str());
    std::abort();
  }
  return std::move(*s);
}

}  // namespace

struct ApiStack::Parts {
  const std::string secret = std::string(32, 's');
  std::string dir = temp_dir();
  std::unique_ptr<store::sqlite::SqliteStore> store = open_store(dir);
  core::ManualClock clock{kNow};
  core::SeededRandom random{1};
  NoDns dns;
  mail::LinkTokens links{secret};
  service::RateLimiter limiter{clock, {}};
  service::PageTokens page_tokens{secret};
  service::IdentityService identities{*store, clock, random, limiter, page_tokens};
  service::VerificationTemplates templates{*store, identities, limiter, page_tokens};
  service::Accounts accounts{*store, clock};
  api::Authenticator auth{accounts, clock, api::AuthSettings{true, {}}};
  service::LatticeService verifications{*store, clock, random, limiter, page_tokens};
  api::ses::SesApi ses{identities, auth};
  api::sesv2::SesV2Api sesv2{identities, auth};
  api::lattice::LatticeApi lattice{verifications, auth};
  scheduler::Scheduler checks{*store, dns, clock, scheduler::SchedulerOptions{}};
  service::ClaimAdmin claim_admin{*store, checks, dns};
  api::control::ControlApi control{claim_admin, auth, &clock};
  service::EventFeed event_feed{*store, page_tokens};
  api::control::EventsApi events{event_feed, auth};
  api::Router router{ses, sesv2, lattice, control, {"fuzz", "sqlite", "glibc", "fuzz", {}}};
  service::Inbox inbox{*store};
  api::mail::MailApi mail_api{
      identities, inbox, auth, {api::mail::InboxAccess::kOpen, "http://127.0.0.1:4566"}};

  Parts() {
    identities.enable_mail({"no-reply@vouch.localhost",
                            "http://127.0.0.1:4566",
                            &links,
                            {},
                            &clock,
                            core::Seconds(300)});
    router.set_mail(&mail_api);
    router.set_events(&events);
    ses.set_templates(&templates);
    sesv2.set_templates(&templates);
  }
};

ApiStack& ApiStack::get() {
  static ApiStack stack;
  return stack;
}

ApiStack::ApiStack() : parts_(std::make_unique<Parts>()) {}

ApiStack::~ApiStack() {
  std::string dir = parts_->dir;
  parts_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

http::Response ApiStack::call(http::Request req) {
  req.request_id = "fuzz";
  http::HandlerResult out = parts_->router.handle(req);
  http::Response r;
  if (auto* d = std::get_if<http::Deferred>(&out)) {
    r = (*d)();
  } else if (auto* a = std::get_if<http::Async>(&out)) {
    std::promise<http::Response> p;
    auto f = p.get_future();
    a->start([&p](http::Response res) { p.set_value(std::move(res)); });
    r = f.get();
  } else {
    r = std::get<http::Response>(std::move(out));
  }
  static const bool trace = std::getenv("VOUCH_FUZZ_TRACE") != nullptr;  // for seed work
  if (trace)
    std::fprintf(stderr, "%s %s -> %d %.200s\n", req.method.c_str(), req.target.c_str(), r.status,
                 r.body.c_str());
  if (r.status >= 500 && r.status != 503) {
    std::fprintf(stderr, "fuzz: %s %s answered %d: %s (%s)\n", req.method.c_str(),
                 req.target.c_str(), r.status, r.body.c_str(), r.cause.c_str());
    std::abort();
  }
  if (r.content_type == "application/json" && !r.body.empty()) {
    FUZZ_CHECK(!nlohmann::json::parse(r.body, nullptr, false).is_discarded());
  }
  return r;
}

http::Response ApiStack::call_raw(std::string_view raw, std::string_view service) {
  auto [line, rest] = first_line(raw);
  http::Request req;
  size_t sp = line.find(' ');
  req.method = std::string(line.substr(0, sp));
  req.target = sp == std::string_view::npos ? "/" : std::string(line.substr(sp + 1));
  bool signed_ = false;
  while (!rest.empty() && req.headers.size() < 64) {
    auto [h, after] = first_line(rest);
    rest = after;
    if (h.empty()) break;
    size_t colon = h.find(':');
    std::string name(h.substr(0, colon));
    std::string value(colon == std::string_view::npos ? "" : h.substr(colon + 1));
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    signed_ = signed_ || http::iequals(name, "authorization");
    req.headers.push_back({std::move(name), std::move(value)});
  }
  if (!signed_) {
    req.headers.push_back(
        {"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20260101/us-east-1/" +
                              std::string(service) +
                              "/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"});
    req.headers.push_back({"X-Amz-Date", "20260101T003000Z"});
    req.headers.push_back({"Host", "127.0.0.1:4566"});
  }
  req.body = std::string(rest);
  return call(std::move(req));
}

}  // namespace vouch::fuzz
