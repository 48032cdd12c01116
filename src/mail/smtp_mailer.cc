#include "mail/smtp_mailer.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <string_view>
#include <vector>

#include "mail/smtp_reply.h"

namespace vouch::mail {

namespace {

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t read_cb(char* buf, size_t size, size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  size_t room = size * n;
  size_t left = u->data->size() - u->offset;
  size_t len = std::min(room, left);
  std::memcpy(buf, u->data->data() + u->offset, len);
  u->offset += len;
  return len;
}

// Keeps the server's reply lines. Called with CURLOPT_VERBOSE.
int debug_cb(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  if (type == CURLINFO_HEADER_IN) static_cast<SmtpReplies*>(user)->add({data, size});
  return 0;
}

std::string rfc5322_date(core::TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

// Lines end in CRLF on the wire; a lone "." line would end DATA early, but
// libcurl dot-stuffs the upload for us.
std::string crlf(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 40);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

bool needs_encoding(const std::string& s) {
  for (unsigned char c : s) {
    if (c >= 0x80 || c < 0x20) return true;
  }
  return false;
}

std::string b64(std::string_view s) {
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string b;
  for (size_t i = 0; i < s.size(); i += 3) {
    uint32_t v = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < s.size()) v |= static_cast<unsigned char>(s[i + 1]) << 8;
    if (i + 2 < s.size()) v |= static_cast<unsigned char>(s[i + 2]);
    b += kB64[(v >> 18) & 63];
    b += kB64[(v >> 12) & 63];
    b += i + 1 < s.size() ? kB64[(v >> 6) & 63] : '=';
    b += i + 2 < s.size() ? kB64[v & 63] : '=';
  }
  return b;
}

// RFC 2047 encoded-words for a non-ASCII subject. An encoded-word may be at
// most 75 characters, so the text is cut (between UTF-8 characters) into
// pieces of at most 42 bytes (56 base64 characters + 12 = 68, so that
// "Subject: " and the first word fit in 78) and the words go on folded lines.
std::string header_text(const std::string& s) {
  if (!needs_encoding(s)) return s;
  constexpr size_t kMaxBytes = 42;
  std::string out;
  size_t at = 0;
  while (at < s.size()) {
    size_t end = std::min(s.size(), at + kMaxBytes);
    // Do not split a UTF-8 sequence: back up to the start of a character.
    while (end < s.size() && end > at + 1 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80)
      --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + b64(std::string_view(s).substr(at, end - at)) + "?=";
    at = end;
  }
  return out;
}

}  // namespace

std::string render_message(const core::Mail& m, core::TimePoint date) {
  const std::string boundary = "vouch-" + std::to_string(m.id) + "-alt";
  std::string msg;
  msg += "Date: " + rfc5322_date(date) + "\r\n";
  msg += "From: " + m.from + "\r\n";
  msg += "To: " + m.to + "\r\n";
  msg += "Subject: " + header_text(m.subject) + "\r\n";
  // Stable per outbox entry, so a resend after a crash can be recognised.
  msg += "Message-ID: <outbox-" + std::to_string(m.id) + "." + m.claim_id + "@vouch>\r\n";
  msg += "MIME-Version: 1.0\r\n";
  msg += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  msg += "--" + boundary +
         "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
  msg += crlf(m.text_body) + "\r\n";
  msg += "--" + boundary +
         "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
  msg += crlf(m.html_body) + "\r\n";
  msg += "--" + boundary + "--\r\n";
  return msg;
}

SmtpMailer::SmtpMailer(SmtpOptions options) : options_(std::move(options)) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

core::SendResult SmtpMailer::send(const core::Mail& m) {
  CURL* curl = curl_easy_init();
  if (!curl) return {core::SendResult::Kind::kTransient, "curl_easy_init failed"};
  const std::string payload = render_message(m, std::chrono::system_clock::now());
  Upload up{&payload};
  const std::string from = "<" + m.from + ">";
  const std::string to = "<" + m.to + ">";
  curl_slist* rcpt = curl_slist_append(nullptr, to.c_str());
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt(curl, CURLOPT_READDATA, &up);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  SmtpReplies replies;
  curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, debug_cb);
  curl_easy_setopt(curl, CURLOPT_DEBUGDATA, &replies);
  curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (options_.url.rfind("smtp://", 0) == 0) {
    const StartTls mode = smtp_url_has_credentials(options_.url) ? StartTls::kRequired
                                                                 : options_.starttls;
    if (mode == StartTls::kRequired) {
      curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    } else if (mode == StartTls::kOpportunistic) {
      // libcurl fails a send whose handshake fails rather than fall back to
      // plain text, so an unverifiable certificate (a relay's self-signed
      // default) would stop mail that kOff delivers: encrypt, do not verify.
      curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  }
  CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  if (rc == CURLE_OK) return classify_send(true, code, {}, replies);
  return classify_send(
      false, code,
      std::string(curl_easy_strerror(rc)) + (errbuf[0] ? std::string(": ") + errbuf : ""), replies);
}

}  // namespace vouch::mail
