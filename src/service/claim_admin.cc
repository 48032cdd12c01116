#include "service/claim_admin.h"

#include <memory>
#include <mutex>

#include "core/evidence_json.h"
#include "service/diagnosis.h"
#include "service/status_override.h"

namespace vouch::service {

namespace {

using Values = std::vector<std::vector<std::string>>;

// Values of `type` at each of `names`, asked in parallel: `done` gets them in
// order (empty where a lookup failed), on a resolver thread. No thread waits.
void probe(core::DnsResolver& resolver, core::RecordType type,
           const std::vector<std::string>& names, std::function<void(Values)> done) {
  struct State {
    std::mutex mu;
    Values values;  // GUARDED_BY(mu)
    size_t left;    // GUARDED_BY(mu)
    std::function<void(Values)> done;
  };
  auto st = std::make_shared<State>();
  st->values.resize(names.size());
  st->left = names.size();
  st->done = std::move(done);
  for (size_t i = 0; i < names.size(); ++i) {
    resolver.lookup(names[i], type, [st, i](std::vector<core::DnsAnswer> answers) {
      std::vector<std::string> values;
      for (const auto& a : answers) values.insert(values.end(), a.records.begin(), a.records.end());
      Values all;
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

void probes_for(core::DnsResolver& resolver, const core::Claim& c,
                const std::optional<core::Evidence>& evidence, std::function<void(Probes)> done) {
  if (!needs_probes(c, evidence)) return done({});
  const std::string doubled = c.record_name + "." + c.subject;
  if (core::record_type(c.kind) ==
      core::RecordType::kCname) {  // a CNAME cannot sit at the bare domain
    return probe(resolver, core::RecordType::kCname, {doubled}, [done](Values found) {
      done(Probes{std::move(found[0]), {}});
    });
  }
  probe(resolver, core::RecordType::kTxt, {doubled, c.subject}, [done](Values found) {
    done(Probes{std::move(found[0]), std::move(found[1])});
  });
}

// The verification mail sent for an email claim (best effort: none on a
// store error, as the detail is for reading).
std::vector<core::Mail> mail_of(core::Store& store, const core::Claim& c) {
  std::vector<core::Mail> out;
  if (c.kind != core::ClaimKind::kSesEmail) return out;
  auto mails = store.list_mail(c.subject, std::nullopt);
  if (!mails.ok()) return out;
  for (auto& m : *mails) {
    if (m.claim_id == c.id) out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

ClaimAdmin::ClaimAdmin(core::Store& store, core::CheckRunner& checks, core::DnsResolver& resolver)
    : store_(store), checks_(checks), resolver_(resolver) {}

core::Result<ClaimPage> ClaimAdmin::list(const core::Scope& scope, int64_t after) {
  core::ListQuery q{
      scope,
      {core::ClaimKind::kSesDomain, core::ClaimKind::kSesEmail, core::ClaimKind::kLatticeDomain,
       core::ClaimKind::kSesDkim, core::ClaimKind::kSesDkimTxt, core::ClaimKind::kSesMailFromMx,
       core::ClaimKind::kSesMailFromSpf},
      after,
      kPage};
  auto rows = store_.list_claims(q);
  if (!rows.ok()) return rows.error();
  ClaimPage page;
  if (rows->size() == q.limit) page.next_after = rows->back().seq;
  page.claims = std::move(*rows);
  return page;
}

void ClaimAdmin::get(const core::Scope& scope, const std::string& id, DetailDone done) {
  auto claim = store_.get_claim(scope, id);
  if (!claim.ok()) return done(claim.error());
  if (!*claim) return done(core::not_found("Claim " + id + " not found.", id));
  auto text = store_.last_evidence(id);
  std::optional<core::Evidence> evidence;
  if (text.ok() && *text) evidence = core::evidence_from_text(**text);
  detail(std::move(**claim), std::move(evidence), std::move(done));
}

void ClaimAdmin::check(const core::Scope& scope, const std::string& id, DetailDone done) {
  checks_.check_now_async(scope, id, [this, done](core::Result<core::CheckResult> result) {
    // On a recording thread: the reads are short, the probes do not wait here.
    if (!result.ok()) return done(result.error());
    std::optional<core::Evidence> evidence;
    if (result->claim.kind != core::ClaimKind::kSesEmail) evidence = std::move(result->evidence);
    detail(std::move(result->claim), std::move(evidence), done);
  });
}

void ClaimAdmin::detail(core::Claim claim, std::optional<core::Evidence> evidence,
                        DetailDone done) {
  auto d = std::make_shared<ClaimDetail>();
  auto history = store_.history(claim.id);
  if (history.ok()) d->history = std::move(*history);
  d->mail = mail_of(store_, claim);
  d->claim = std::move(claim);
  d->evidence = std::move(evidence);
  probes_for(resolver_, d->claim, d->evidence, [d, done](Probes probes) {
    d->diagnosis = diagnose(d->claim, d->evidence, probes);
    done(std::move(*d));
  });
}

size_t ClaimAdmin::run_due() { return checks_.run_due(); }

core::Status ClaimAdmin::reset() { return store_.clear_claims(); }

core::Result<core::Claim> ClaimAdmin::set_status(const core::Scope& scope, const std::string& id,
                                                 core::ClaimStatus to, core::TimePoint now) {
  return set_claim_status(store_, scope, id, to, now);
}

}  // namespace vouch::service
