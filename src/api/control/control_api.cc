#include "api/control/control_api.h"

#include <charconv>

#include "api/common/form.h"
#include "api/common/json.h"
#include "api/control/claim_filter.h"
#include "api/control/claim_view.h"
#include "core/rfc3339.h"

namespace vouch::api::control {

using nlohmann::json;

namespace {

constexpr std::string_view kClaims = "/_vouch/claims";
constexpr std::string_view kTest = "/_vouch/test/";
// Bounds on moving the test clock: one step of at most 100 years, and never
// within 62 years of the end of a nanosecond TimePoint (deadlines and next
// checks are computed from it).
constexpr double kMaxAdvanceSeconds = 3155760000.0;
constexpr auto kClockHeadroom = std::chrono::seconds(62LL * 31557600);

http::Response not_found() {
  return error_response(404, "UnknownOperationException", {{"message", "Unknown operation"}});
}

http::Response ok(const json& body) { return json_response(200, body); }

constexpr std::string_view kTestClaims = "/_vouch/test/claims/";
constexpr std::string_view kStatusSuffix = "/status";

// A status by vouch's admin name or any API's wire name (SES v1, SES v2,
// VPC Lattice); nullopt for anything else.
std::optional<core::ClaimStatus> status_named(std::string_view name) {
  using S = core::ClaimStatus;
  static const std::pair<std::string_view, S> kNames[] = {
      {"pending", S::kPending},
      {"verified", S::kVerified},
      {"unconfirmed", S::kUnconfirmed},
      {"failed", S::kFailed},
      {"Pending", S::kPending},
      {"Success", S::kVerified},
      {"TemporaryFailure", S::kUnconfirmed},
      {"Failed", S::kFailed},
      {"PENDING", S::kPending},
      {"SUCCESS", S::kVerified},
      {"TEMPORARY_FAILURE", S::kUnconfirmed},
      {"FAILED", S::kFailed},
      {"VERIFIED", S::kVerified},
      {"VERIFICATION_TIMED_OUT", S::kFailed},
  };
  for (const auto& [n, s] : kNames) {
    if (n == name) return s;
  }
  return std::nullopt;
}

// The detail, or the error, to `done`.
service::ClaimAdmin::DetailDone render(http::Done done) {
  return [done](core::Result<service::ClaimDetail> d) {
    done(d.ok() ? ok(claim_detail(*d)) : error_response(d.error()));
  };
}

}  // namespace

ControlApi::ControlApi(service::ClaimAdmin& claims, Authenticator& auth,
                       core::MovableClock* test_clock, AdminLimits limits)
    : claims_(claims), auth_(auth), test_clock_(test_clock), limits_(limits) {}

std::shared_ptr<ControlApi::LiveSlot> ControlApi::live_slot() {
  if (live_->fetch_add(1) >= limits_.max_live) {
    live_->fetch_sub(1);
    return nullptr;
  }
  return std::make_shared<LiveSlot>(live_);
}

http::HandlerResult ControlApi::handle(http::Request& req) {
  if (req.path().rfind(kTest, 0) == 0) return test_route(req);
  return admin(req);
}

http::HandlerResult ControlApi::test_route(http::Request& req) {
  if (!test_clock_) return not_found();  // the control routes exist only in test mode
  const std::string_view path = req.path();
  if (req.method != "POST") return not_found();
  if (path == "/_vouch/test/clock") {
    json body = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
    auto secs = body.is_object() ? body.find("advance_seconds") : body.end();
    if (body.is_discarded() || !body.is_object() || secs == body.end() || !secs->is_number() ||
        secs->get<double>() < 0 || secs->get<double>() > kMaxAdvanceSeconds) {
      return validation_error(
          "Body must be {\"advance_seconds\": N} with 0 <= N <= 3155760000 (100 years).",
          "fieldValidationFailed", "advance_seconds");
    }
    const auto step = std::chrono::duration_cast<core::TimePoint::duration>(
        std::chrono::duration<double>(secs->get<double>()));
    // A TimePoint counts nanoseconds in 64 bits: it ends in April 2262.
    if (test_clock_->now() > core::TimePoint::max() - step - kClockHeadroom) {
      return validation_error("The test clock cannot move past the year 2200.",
                              "fieldValidationFailed", "advance_seconds");
    }
    auto moved = test_clock_->move_by(step);
    if (!moved.ok()) return error_response(moved.error());
    if (clock_moved_) clock_moved_();
    return ok({{"now", core::format_rfc3339(*moved)}});
  }
  if (path == "/_vouch/test/run-due-checks") {
    return http::Deferred([this] { return ok({{"checked", claims_.run_due()}}); });
  }
  if (path == "/_vouch/test/run-due-webhooks" && run_due_webhooks_) {
    return http::Deferred([this] { return ok({{"attempted", run_due_webhooks_()}}); });
  }
  if (path.rfind(kTestClaims, 0) == 0) return set_status(req);
  if (path == "/_vouch/test/reset") {
    return http::Deferred([this] {
      auto st = claims_.reset();
      if (!st.ok()) return error_response(st.error());
      return ok(json::object());
    });
  }
  return not_found();
}

// POST /_vouch/test/claims/{id}/status {"status": NAME}: signed, so a claim
// of another account or Region is as unknown as a missing one.
http::HandlerResult ControlApi::set_status(http::Request& req) {
  std::string_view rest = req.path().substr(kTestClaims.size());
  if (rest.size() <= kStatusSuffix.size() ||
      rest.substr(rest.size() - kStatusSuffix.size()) != kStatusSuffix) {
    return not_found();
  }
  rest.remove_suffix(kStatusSuffix.size());
  if (rest.find('/') != std::string_view::npos) return not_found();
  auto who = auth_.authenticate(req, Dialect::kRestJson, "");
  if (auto* err = std::get_if<auth::WireAuthError>(&who)) {
    return error_response(err->http_status, err->code, {{"message", err->message}});
  }
  const json body = json::parse(req.body, nullptr, false);
  auto name = body.is_object() ? body.find("status") : body.end();
  std::optional<core::ClaimStatus> to;
  if (!body.is_discarded() && body.is_object() && name != body.end() && name->is_string()) {
    to = status_named(name->get<std::string>());
  }
  if (!to) {
    return validation_error(
        "Body must be {\"status\": S}: pending, verified, unconfirmed or failed, or an API's "
        "name for one (Pending, Success, TemporaryFailure, Failed; PENDING, SUCCESS, "
        "TEMPORARY_FAILURE, FAILED; VERIFIED, VERIFICATION_TIMED_OUT).",
        "fieldValidationFailed", "status");
  }
  return http::Deferred([this, scope = std::get<core::Scope>(who), id = std::string(rest), to] {
    auto c = claims_.set_status(scope, id, *to, test_clock_->now());
    if (!c.ok()) return error_response(c.error());
    return ok(claim_summary(*c));
  });
}

http::HandlerResult ControlApi::admin(http::Request& req) {
  auto who = auth_.authenticate(req, Dialect::kRestJson, "");
  if (auto* err = std::get_if<auth::WireAuthError>(&who)) {
    return error_response(err->http_status, err->code, {{"message", err->message}});
  }
  const core::Scope scope = std::get<core::Scope>(who);
  std::string_view path = req.path();
  if (path == kClaims) {
    if (req.method != "GET") return not_found();
    auto filter = parse_claim_filter(req.query());
    if (auto* bad = std::get_if<http::Response>(&filter)) return std::move(*bad);
    // A store read: off the I/O threads.
    return http::Deferred([this, scope, f = std::get<service::ClaimFilter>(filter)] {
      auto page = claims_.list(scope, f);
      if (!page.ok()) return error_response(page.error());
      json items = json::array();
      for (size_t i = 0; i < page->claims.size(); ++i) {
        items.push_back(claim_summary(
            page->claims[i], i < page->last_checked.size() ? page->last_checked[i] : std::nullopt));
      }
      json body{{"claims", std::move(items)}};
      if (page->next_after) body["next_after"] = *page->next_after;
      return ok(body);
    });
  }
  std::string_view rest = path.substr(kClaims.size() + 1);
  bool check = false;
  if (rest.size() > 6 && rest.substr(rest.size() - 6) == "/check") {
    check = true;
    rest.remove_suffix(6);
  }
  if (rest.empty() || rest.find('/') != std::string_view::npos) return not_found();
  std::string id(rest);
  if (check ? req.method != "POST" : req.method != "GET") return not_found();
  // These may look up DNS live: per-account rates, and a bound on how many
  // wait at once (none of them holds a thread while it waits).
  if (limits_.limiter) {
    auto admitted = limits_.limiter->admit(scope,
                                           check ? kCheckClaimOperation : kGetClaimOperation);
    if (!admitted.ok()) return error_response(admitted.error());
  }
  auto slot = live_slot();
  if (!slot) {
    return error_response(core::Error{
        core::ErrorCode::kThrottled, "Too many admin DNS lookups in flight; retry.", id, {}});
  }
  return http::Async{[this, scope, id, check, slot](http::Done done) {
    // The slot is given back with the response, not when the last copy of
    // this completion is destroyed (which may be much later).
    http::Done release = [slot, done](http::Response r) {
      done(std::move(r));
      slot->give_back();
    };
    if (check) claims_.check(scope, id, render(std::move(release)));
    else claims_.get(scope, id, render(std::move(release)));
  }};
}

}  // namespace vouch::api::control
