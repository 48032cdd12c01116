// A DNS reply all the way to the stored evidence: the reply read as the
// resolver does (verify/dns/answer_reply), judged for a claim (core/evidence)
// and kept as JSON (core/evidence_json), which reads back to the same text
// and matches the JSON tree's dump byte for byte. Input: a byte picking the
// claim kind and c-ares status, a length byte and that many bytes of the
// expected value, then the reply.
#include <ares.h>

#include <string>
#include <vector>

#include "core/evidence_json.h"
#include "fuzz/fuzz_check.h"
#include "verify/dns/answer_reply.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vouch;
  if (size < 2 || size - 2 < data[1]) return 0;
  static constexpr int kStatus[] = {ARES_SUCCESS, ARES_ENODATA, ARES_ENOTFOUND, ARES_ETIMEOUT};
  const auto kind = static_cast<core::ClaimKind>((data[0] & 7) % 7);
  const std::string expected(reinterpret_cast<const char*>(data + 2), data[1]);
  const uint8_t* reply = data + 2 + data[1];
  const int len = static_cast<int>(size - 2 - data[1]);
  std::vector<core::DnsAnswer> answers(3);
  for (size_t i = 0; i < answers.size(); ++i) {
    answers[i].resolver = "127.0.0." + std::to_string(i + 1) + ":53";
    verify::dns::fill_answer(answers[i], core::record_type(kind), kStatus[(data[0] >> (3 + i)) & 3],
                             reply, len);
  }
  const core::TimePoint at{std::chrono::seconds(1767227400)};
  core::Evidence e = core::judge(answers, "_amazonses.example.com", expected,
                                 1 + (data[0] >> 6) % 3, at, kind);
  FUZZ_CHECK(e.perspectives.size() == answers.size());
  std::string text = core::evidence_text(e);
  FUZZ_CHECK(core::evidence_to_json(e).dump() == text);
  auto back = core::evidence_from_text(text);
  FUZZ_CHECK(back && core::evidence_text(*back) == text);
  return 0;
}
