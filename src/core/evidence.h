// What a DNS check saw, per perspective (resolver), and the verdict the
// status machine needs. Pure: no I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status_machine.h"

namespace vouch::core {

// kSpf: a TXT query whose records are read as SPF (MAIL FROM).
enum class RecordType { kTxt, kCname, kMx, kSpf };

// What a claim of `kind` is checked against: CNAME for DKIM, MX and SPF for
// MAIL FROM, TXT otherwise.
RecordType record_type(ClaimKind kind);

// The SOA of the zone that answered: in a negative answer's authority
// section, or asked for after a positive one (SES v2 shows it).
struct Soa {
  std::string primary_ns;  // MNAME, without the trailing dot
  std::string admin;       // RNAME as DNS writes it ("hostmaster.example.com")
  uint32_t serial = 0;
  bool operator==(const Soa&) const = default;
};

// One resolver's raw answer to a TXT (or CNAME) query.
struct DnsAnswer {
  // kBadName: the resolver says the name cannot be a DNS name (too long,
  // malformed), so no answer will ever hold it: absent, not an error.
  enum class Kind { kRecords, kNxDomain, kNoData, kServFail, kRefused, kTimeout, kError, kBadName };
  std::string resolver;  // "127.0.0.1:53"
  Kind kind = Kind::kError;
  // Each TXT record, its strings joined; or CNAME targets; or MX records as
  // "<preference> <exchange>".
  std::vector<std::string> records;
  std::string error;       // resolver error text, for kError and friends
  std::optional<Soa> soa;  // the answering zone's, when the resolver learnt it
};

// The DNS lookup behind an interface, so the scheduler runs against fakes in
// unit tests and against real resolvers (verify/dns) in production.
class DnsResolver {
 public:
  virtual ~DnsResolver() = default;
  // Asks every perspective for `type` records at `name`, in parallel; calls
  // `done` once with one answer per perspective, on a resolver thread.
  virtual void lookup(const std::string& name, RecordType type,
                      std::function<void(std::vector<DnsAnswer>)> done) = 0;
  virtual size_t perspectives() const = 0;
};

// One perspective's reading of its answer against the expected value.
struct PerspectiveEvidence {
  enum class Result { kFound, kAbsent, kWrong, kError };
  std::string resolver;
  Result result = Result::kError;
  std::vector<std::string> seen;  // values seen (each cut to 100 characters), for kWrong
  std::string detail;             // "NXDOMAIN", "no TXT records", "SERVFAIL", "timeout", ...
};

struct Evidence {
  TimePoint at{};
  std::string record_name;
  std::string expected;
  size_t quorum = 0;
  std::vector<PerspectiveEvidence> perspectives;
  CheckOutcome outcome = CheckOutcome::kResolverError;
  std::optional<Soa> soa;  // the first perspective's that had one
};

// Whether any of `records` holds `expected`: for TXT an exact, case-sensitive
// match; for CNAME a DNS name match (any case, trailing dot or not); for MX
// an exchange that is that name (any preference); for SPF a "v=spf1" record
// with the mechanism `expected` (any case, qualifier "+" or none).
bool matches(const std::vector<std::string>& records, const std::string& expected, RecordType type);
// The same for a claim of `kind`: a BYODKIM claim's TXT matches a DKIM key
// record whose p= is `expected` (core/dkim_key.h); other kinds as above.
bool matches(const std::vector<std::string>& records, const std::string& expected, ClaimKind kind);

// CA/B-style default: all of 1-2 perspectives, all but one of 3-5, all but
// two of 6 or more.
size_t default_quorum(size_t perspectives);

// Judges answers for `expected`: for TXT an exact, case-sensitive match of
// any one record; for CNAME a DNS name match (any case, trailing dot or not).
// Found when >= quorum perspectives saw it; absent when even counting every
// resolver error as found the quorum could not be met; otherwise a resolver
// error (no conclusion).
Evidence judge(const std::vector<DnsAnswer>& answers, const std::string& record_name,
               const std::string& expected, size_t quorum, TimePoint now,
               RecordType type = RecordType::kTxt);
// The same for a claim of `kind`: its record type and its match (see matches).
Evidence judge(const std::vector<DnsAnswer>& answers, const std::string& record_name,
               const std::string& expected, size_t quorum, TimePoint now, ClaimKind kind);

}  // namespace vouch::core
