// The SMTP reply handling (mail/smtp_reply): the lines libcurl hands over,
// one per input line, then the send's outcome for a code read from the
// first line.
#include <charconv>
#include <string>

#include "fuzz/fuzz_check.h"
#include "mail/smtp_reply.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vouch;
  std::string_view in = fuzz::text(data, size);
  auto [first, rest] = fuzz::first_line(in);
  long code = 0;
  std::from_chars(first.data(), first.data() + first.size(), code);
  mail::SmtpReplies replies;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view chunk = rest.substr(0, nl == std::string_view::npos ? nl : nl + 1);
    rest.remove_prefix(chunk.size());
    replies.add(chunk);
  }
  FUZZ_CHECK(replies.lines().size() <= mail::SmtpReplies::kMaxLines);
  for (const auto& l : replies.lines()) {
    FUZZ_CHECK(!l.empty() && l.size() <= mail::SmtpReplies::kMaxLine);
  }
  for (bool ok : {true, false}) {
    auto r = mail::classify_send(ok, code, "curl said no", replies);
    if (ok) FUZZ_CHECK(r.kind == core::SendResult::Kind::kAccepted);
    else if (code >= 500 && code < 600) FUZZ_CHECK(r.kind == core::SendResult::Kind::kPermanent);
    else FUZZ_CHECK(r.kind == core::SendResult::Kind::kTransient);
    FUZZ_CHECK(r.detail.size() <= mail::SmtpReplies::kMaxLine + 64);
  }
  return 0;
}
