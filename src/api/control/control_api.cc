#include "api/control/control_api.h"

#include <charconv>
#include <mutex>

#include "api/control/claim_view.h"
#include "api/lattice/lattice_wire.h"
#include "api/ses/form.h"
#include "core/rfc3339.h"
#include "scheduler/evidence_json.h"

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
  return lattice::error_response(404, "UnknownOperationException", {{"message", "Unknown operation"}});
}

http::Response ok(const json& body) { return lattice::json_response(200, body); }

// Values of `type` at each of `names`, asked in parallel: `done` gets them in
// order (empty where a lookup failed), on a resolver thread. No thread waits.
void probe(core::TxtResolver& resolver, core::RecordType type, const std::vector<std::string>& names,
           std::function<void(std::vector<std::vector<std::string>>)> done) {
  struct State {
    std::mutex mu;
    std::vector<std::vector<std::string>> values;  // GUARDED_BY(mu)
    size_t left;                                   // GUARDED_BY(mu)
    std::function<void(std::vector<std::vector<std::string>>)> done;
  };
  auto st = std::make_shared<State>();
  st->values.resize(names.size());
  st->left = names.size();
  st->done = std::move(done);
  for (size_t i = 0; i < names.size(); ++i) {
    resolver.lookup(names[i], type, [st, i](std::vector<core::TxtAnswer> answers) {
      std::vector<std::string> values;
      for (const auto& a : answers) values.insert(values.end(), a.records.begin(), a.records.end());
      std::vector<std::vector<std::string>> all;
      {
        std::lock_guard lock(st->mu);
        st->values[i] = std::move(values);
        if (--st->left > 0) return;
        all = std::move(st->values);
      }
      st->done(std::move(all));
    });
  }
}

void probes_for(core::TxtResolver& resolver, const core::Claim& c, const std::optional<std::string>& evidence,
                std::function<void(Probes)> done) {
  if (c.kind == core::ClaimKind::kSesEmail) return done({});
  // Only worth asking when the last check did not find the record.
  if (evidence && evidence->find("\"outcome\":\"found\"") != std::string::npos) return done({});
  if (c.kind == core::ClaimKind::kSesDkim) {  // a CNAME cannot sit at the bare domain
    return probe(resolver, core::RecordType::kCname, {c.record_name + "." + c.subject},
                 [done](auto found) { done(Probes{std::move(found[0]), {}}); });
  }
  probe(resolver, core::RecordType::kTxt, {c.record_name + "." + c.subject, c.subject},
        [done](auto found) { done(Probes{std::move(found[0]), std::move(found[1])}); });
}

// Verification mail sent for an email claim: what the SMTP server said.
json mail_of(core::Store& store, const core::Claim& c) {
  json out = json::array();
  if (c.kind != core::ClaimKind::kSesEmail) return out;
  auto mails = store.list_mail(c.subject, std::nullopt);
  if (!mails.ok()) return out;
  for (const auto& m : *mails) {
    if (m.claim_id != c.id) continue;
    out.push_back({{"id", m.id},
                   {"state", m.state == core::Mail::State::kSent     ? "sent"
                             : m.state == core::Mail::State::kFailed ? "failed"
                                                                     : "queued"},
                   {"attempts", m.attempts},
                   {"created_at", core::format_rfc3339(m.created_at)},
                   {"sent_at", m.sent_at ? json(core::format_rfc3339(*m.sent_at)) : json(nullptr)},
                   {"last_error", m.last_error}});
  }
  return out;
}

// The claim's detail with its history and mail (read now) and the probes
// (when they are in), to `done`.
void render_detail(core::TxtResolver& resolver, core::Store& store, core::Claim claim,
                   std::optional<std::string> evidence, http::Done done) {
  auto history = store.history(claim.id);
  auto c = std::make_shared<const core::Claim>(std::move(claim));
  auto changes = std::make_shared<const std::vector<core::StatusChange>>(
      history.ok() ? std::move(*history) : std::vector<core::StatusChange>{});
  auto mail = std::make_shared<const json>(mail_of(store, *c));
  probes_for(resolver, *c, evidence, [c, evidence, changes, mail, done](Probes probes) {
    json detail = claim_detail(*c, evidence, *changes, probes);
    detail["mail"] = *mail;
    done(ok(detail));
  });
}

}  // namespace

ControlApi::ControlApi(core::Store& store, scheduler::Scheduler& scheduler,
                       core::TxtResolver& resolver, Authenticator& auth, const core::Clock& clock,
                       core::ManualClock* test_clock, AdminLimits limits)
    : store_(store), scheduler_(scheduler), resolver_(resolver), auth_(auth), clock_(clock),
      test_clock_(test_clock), limits_(limits) {}

std::shared_ptr<ControlApi::LiveSlot> ControlApi::live_slot() {
  if (live_->fetch_add(1) >= limits_.max_live) {
    live_->fetch_sub(1);
    return nullptr;
  }
  return std::make_shared<LiveSlot>(live_);
}

void ControlApi::get_claim(const core::Scope& scope, const std::string& id, http::Done done) {
  auto claim = store_.get_claim(scope, id);
  if (!claim.ok()) return done(lattice::error_response(claim.error()));
  if (!*claim) return done(lattice::error_response(core::not_found("Claim " + id + " not found.", id)));
  auto ev = store_.last_evidence(id);
  render_detail(resolver_, store_, std::move(**claim), ev.ok() ? *ev : std::nullopt, std::move(done));
}

void ControlApi::check_claim(const core::Scope& scope, const std::string& id, http::Done done) {
  scheduler_.check_now_async(scope, id, [this, done](core::Result<scheduler::CheckResult> result) {
    // On a recording thread: the reads are short, the probes do not wait here.
    if (!result.ok()) return done(lattice::error_response(result.error()));
    std::optional<std::string> ev;
    if (result->claim.kind != core::ClaimKind::kSesEmail) {
      ev = scheduler::evidence_to_json(result->evidence).dump();
    }
    render_detail(resolver_, store_, std::move(result->claim), std::move(ev), done);
  });
}

bool ControlApi::owns(std::string_view path) {
  return path == kClaims || path.rfind(std::string(kClaims) + "/", 0) == 0 || path.rfind(kTest, 0) == 0;
}

http::Outcome ControlApi::handle(http::Request& req) {
  if (req.path().rfind(kTest, 0) == 0) return test_route(req);
  return admin(req);
}

http::Outcome ControlApi::test_route(http::Request& req) {
  if (!test_clock_) return not_found();  // the control routes exist only in test mode
  const std::string_view path = req.path();
  if (req.method != "POST") return not_found();
  if (path == "/_vouch/test/clock") {
    json body = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
    auto secs = body.is_object() ? body.find("advance_seconds") : body.end();
    if (body.is_discarded() || !body.is_object() || secs == body.end() || !secs->is_number() ||
        secs->get<double>() < 0 || secs->get<double>() > kMaxAdvanceSeconds) {
      return lattice::validation_error(
          "Body must be {\"advance_seconds\": N} with 0 <= N <= 3155760000 (100 years).",
          "fieldValidationFailed", "advance_seconds");
    }
    const auto step = std::chrono::duration_cast<core::TimePoint::duration>(
        std::chrono::duration<double>(secs->get<double>()));
    // A TimePoint counts nanoseconds in 64 bits: it ends in April 2262.
    if (test_clock_->now() > core::TimePoint::max() - step - kClockHeadroom) {
      return lattice::validation_error("The test clock cannot move past the year 2200.",
                                       "fieldValidationFailed", "advance_seconds");
    }
    test_clock_->advance(step);
    if (clock_moved_) clock_moved_();
    return ok({{"now", core::format_rfc3339(test_clock_->now())}});
  }
  if (path == "/_vouch/test/run-due-checks") {
    return http::Deferred([this] { return ok({{"checked", scheduler_.run_due()}}); });
  }
  if (path == "/_vouch/test/reset") {
    return http::Deferred([this] {
      auto st = store_.clear_claims();
      if (!st.ok()) return lattice::error_response(st.error());
      return ok(json::object());
    });
  }
  return not_found();
}

http::Outcome ControlApi::admin(http::Request& req) {
  auto who = auth_.authenticate(req, Dialect::kRestJson, "");
  if (auto* err = std::get_if<auth::WireAuthError>(&who)) {
    return lattice::error_response(err->http_status, err->code, {{"message", err->message}});
  }
  const core::Scope scope = std::get<core::Scope>(who);
  std::string_view path = req.path();
  if (path == kClaims) {
    if (req.method != "GET") return not_found();
    auto q = parse_form(req.query(), false);
    int64_t after = 0;
    if (q) {
      if (const std::string* a = q->get("after")) std::from_chars(a->data(), a->data() + a->size(), after);
    }
    core::ListQuery lq{scope, {core::ClaimKind::kSesDomain, core::ClaimKind::kSesEmail, core::ClaimKind::kLatticeDomain,
                               core::ClaimKind::kSesDkim}, after, 500};
    auto rows = store_.list_claims(lq);
    if (!rows.ok()) return lattice::error_response(rows.error());
    json items = json::array();
    for (const auto& c : *rows) items.push_back(claim_summary(c));
    json body{{"claims", std::move(items)}};
    if (rows->size() == lq.limit) body["next_after"] = rows->back().seq;
    return ok(body);
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
    auto admitted = limits_.limiter->admit(scope, check ? kCheckClaimOperation : kGetClaimOperation);
    if (!admitted.ok()) return lattice::error_response(admitted.error());
  }
  auto slot = live_slot();
  if (!slot) {
    return lattice::error_response(core::Error{core::ErrorCode::kThrottled,
                                               "Too many admin DNS lookups in flight; retry.", id, {}});
  }
  return http::Async{[this, scope, id, check, slot](http::Done done) {
    // The slot is given back with the response, not when the last copy of
    // this completion is destroyed (which may be much later).
    http::Done release = [slot, done](http::Response r) {
      done(std::move(r));
      slot->give_back();
    };
    if (check) check_claim(scope, id, std::move(release));
    else get_claim(scope, id, std::move(release));
  }};
}

}  // namespace vouch::api::control
