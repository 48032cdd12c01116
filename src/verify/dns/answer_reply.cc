#include "verify/dns/answer_reply.h"

#include <ares.h>

#include "verify/dns/cname_reply.h"
#include "verify/dns/soa_reply.h"
#include "verify/dns/txt_reply.h"

namespace vouch::verify::dns {

using core::DnsAnswer;

namespace {

DnsAnswer::Kind kind_of(int status) {
  switch (status) {
    case ARES_SUCCESS: return DnsAnswer::Kind::kRecords;
    case ARES_ENOTFOUND: return DnsAnswer::Kind::kNxDomain;
    case ARES_ENODATA: return DnsAnswer::Kind::kNoData;
    case ARES_ESERVFAIL: return DnsAnswer::Kind::kServFail;
    case ARES_EREFUSED: return DnsAnswer::Kind::kRefused;
    case ARES_ETIMEOUT: return DnsAnswer::Kind::kTimeout;
    case ARES_EBADNAME: return DnsAnswer::Kind::kBadName;
    default: return DnsAnswer::Kind::kError;
  }
}

void fill_cname(DnsAnswer& out, const unsigned char* abuf, int alen) {
  switch (parse_cname_reply(abuf, alen, &out.records)) {
    case CnameReply::kRecords: return;
    case CnameReply::kNoData: out.kind = DnsAnswer::Kind::kNoData; return;
    case CnameReply::kMalformed:
      out.kind = DnsAnswer::Kind::kError;
      out.error = ares_strerror(ARES_EBADRESP);
      return;
  }
}

// Whether a c-ares parser's `rc` read records; otherwise `out` says why not.
bool parsed(DnsAnswer& out, int rc) {
  if (rc == ARES_SUCCESS) return true;
  if (rc == ARES_ENODATA) {
    out.kind = DnsAnswer::Kind::kNoData;
  } else {
    out.kind = DnsAnswer::Kind::kError;
    out.error = ares_strerror(rc);
  }
  return false;
}

// MX records as "<preference> <exchange>".
void fill_mx(DnsAnswer& out, const unsigned char* abuf, int alen) {
  struct ares_mx_reply* mx = nullptr;
  if (!parsed(out, ares_parse_mx_reply(abuf, alen, &mx))) return;
  for (auto* m = mx; m; m = m->next) {
    out.records.push_back(std::to_string(m->priority) + " " + m->host);
  }
  ares_free_data(mx);
  if (out.records.empty()) out.kind = DnsAnswer::Kind::kNoData;
}

void fill_records(DnsAnswer& out, core::RecordType type, int status, const unsigned char* abuf,
                  int alen) {
  out.kind = kind_of(status);
  if (status != ARES_SUCCESS) {
    if (out.kind == DnsAnswer::Kind::kError || out.kind == DnsAnswer::Kind::kBadName) {
      out.error = ares_strerror(status);
    }
    return;
  }
  if (type == core::RecordType::kCname) return fill_cname(out, abuf, alen);
  if (type == core::RecordType::kMx) return fill_mx(out, abuf, alen);
  if (read_plain_txt_reply(abuf, alen, &out.records)) return;
  fill_txt_by_cares(out, abuf, alen);
}

}  // namespace

void fill_txt_by_cares(DnsAnswer& out, const unsigned char* abuf, int alen) {
  struct ares_txt_ext* txt = nullptr;
  if (!parsed(out, ares_parse_txt_reply_ext(abuf, alen, &txt))) return;
  // A record's character-strings are joined; record_start marks a new record.
  for (auto* t = txt; t; t = t->next) {
    std::string part(reinterpret_cast<const char*>(t->txt), t->length);
    if (t->record_start || out.records.empty()) out.records.push_back(std::move(part));
    else out.records.back() += part;
  }
  ares_free_data(txt);
  if (out.records.empty()) out.kind = DnsAnswer::Kind::kNoData;
}

void fill_answer(DnsAnswer& out, core::RecordType type, int status, const unsigned char* abuf,
                 int alen) {
  fill_records(out, type, status, abuf, alen);
  // A negative answer names its zone in the authority section.
  if (out.kind == DnsAnswer::Kind::kNxDomain || out.kind == DnsAnswer::Kind::kNoData) {
    out.soa = parse_soa(abuf, alen);
  }
}

}  // namespace vouch::verify::dns
