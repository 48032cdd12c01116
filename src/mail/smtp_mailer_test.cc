// SmtpMailer: the rendered RFC 5322 message, and send() over libcurl against
// a tiny SMTP server written here, on loopback, that answers what each test
// tells it to.
#include "mail/smtp_mailer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vouch::mail {
namespace {

using Kind = core::SendResult::Kind;
using std::chrono::seconds;

const core::TimePoint T0 = core::TimePoint(seconds(1'700'000'000));  // Tue, 14 Nov 2023 22:13:20
const std::string kSubject =
    "Amazon Web Services \xE2\x80\x93 Email Address Verification Request in region eu-west-1";

core::Mail sample_mail() {
  core::Mail m;
  m.id = 42;
  m.claim_id = "id-0123456789abcdef0123";
  m.scope = {"111122223333", "eu-west-1"};
  m.from = "verify@vouch.test";
  m.to = "alice@example.com";
  m.subject = kSubject;
  m.text_body = "Hello,\n\nclick http://127.0.0.1:1/_vouch/verify-email?token=abc.def\n\nBye\n";
  m.html_body =
      "<!DOCTYPE html><html><body><p><a href=\"http://127.0.0.1:1/x\">go</a></p></body></html>\n";
  m.created_at = T0;
  m.next_attempt_at = T0;
  return m;
}

std::vector<std::string> split(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  size_t at = 0;
  for (size_t next; (next = s.find(sep, at)) != std::string::npos; at = next + sep.size()) {
    out.push_back(s.substr(at, next - at));
  }
  out.push_back(s.substr(at));
  return out;
}

std::string base64_decode(const std::string& in) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    size_t v = kAlphabet.find(c);
    if (v == std::string::npos) return "<bad base64>";
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

// Decodes a header value made of RFC 2047 B encoded-words (UTF-8) separated
// by folding whitespace; plain text is returned as is.
std::string decode_header(const std::string& value, std::string* error) {
  std::string out;
  size_t at = 0;
  bool any = false;
  while (at < value.size()) {
    size_t start = value.find("=?", at);
    if (start == std::string::npos) {
      if (!any) return value;
      std::string rest = value.substr(at);
      if (rest.find_first_not_of(" \t\r\n") != std::string::npos)
        *error = "text after encoded-words";
      break;
    }
    if (any && value.substr(at, start - at).find_first_not_of(" \t\r\n") != std::string::npos) {
      *error = "text between encoded-words";
    }
    size_t end = value.find("?=", start + 2);
    if (end == std::string::npos) {
      *error = "unterminated encoded-word";
      return out;
    }
    // =?UTF-8?B?...?=  (the "?=" search must skip the charset/encoding parts)
    auto parts = split(value.substr(start + 2, end - start - 2), "?");
    while (parts.size() < 3 && end != std::string::npos) {
      end = value.find("?=", end + 2);
      if (end == std::string::npos) break;
      parts = split(value.substr(start + 2, end - start - 2), "?");
    }
    if (parts.size() != 3 || (parts[0] != "UTF-8" && parts[0] != "utf-8") ||
        (parts[1] != "B" && parts[1] != "b")) {
      *error = "unexpected encoded-word " + value.substr(start, end + 2 - start);
      return out;
    }
    const size_t word_len = end + 2 - start;
    if (word_len > 75) *error = "encoded-word longer than 75 characters (RFC 2047 section 2)";
    out += base64_decode(parts[2]);
    any = true;
    at = end + 2;
  }
  return out;
}

struct Parsed {
  std::vector<std::pair<std::string, std::string>> headers;  // unfolded
  std::string body;
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return "";
  }
  int count(const std::string& name) const {
    int n = 0;
    for (const auto& h : headers) n += h.first == name;
    return n;
  }
};

Parsed parse(const std::string& msg) {
  Parsed p;
  size_t end = msg.find("\r\n\r\n");
  if (end == std::string::npos) return p;
  for (const std::string& line : split(msg.substr(0, end), "\r\n")) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !p.headers.empty()) {
      p.headers.back().second += line;  // unfold (keeps the whitespace)
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string v = line.substr(colon + 1);
    if (!v.empty() && v[0] == ' ') v.erase(0, 1);
    p.headers.emplace_back(line.substr(0, colon), v);
  }
  p.body = msg.substr(end + 4);
  return p;
}

// ---------------------------------------------------------------- render_message

TEST(RenderMessage, Headers) {
  const std::string msg = render_message(sample_mail(), T0);
  Parsed p = parse(msg);
  EXPECT_EQ(p.header("Date"), "Tue, 14 Nov 2023 22:13:20 +0000");
  EXPECT_EQ(p.header("From"), "verify@vouch.test");
  EXPECT_EQ(p.header("To"), "alice@example.com");
  EXPECT_EQ(p.header("MIME-Version"), "1.0");
  EXPECT_EQ(p.header("Message-ID"), "<outbox-42.id-0123456789abcdef0123@vouch>");
  for (const char* h :
       {"Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Content-Type"}) {
    EXPECT_EQ(p.count(h), 1) << h;
  }
  EXPECT_EQ(p.header("Content-Type"), "multipart/alternative; boundary=\"vouch-42-alt\"");
}

TEST(RenderMessage, SubjectIsRfc2047Encoded) {
  const std::string msg = render_message(sample_mail(), T0);
  Parsed p = parse(msg);
  const std::string raw = p.header("Subject");
  EXPECT_EQ(raw.rfind("=?UTF-8?B?", 0), 0u) << raw;
  std::string error;
  EXPECT_EQ(decode_header(raw, &error), kSubject);
  EXPECT_EQ(error, "") << raw;
  // Every header line stays 7-bit.
  const std::string head = msg.substr(0, msg.find("\r\n\r\n"));
  for (unsigned char c : head) EXPECT_LT(c, 0x80);
}

TEST(RenderMessage, HeaderLinesStayShort) {
  // RFC 5322 2.1.1: lines SHOULD be at most 78 characters (MUST be <= 998).
  const std::string msg = render_message(sample_mail(), T0);
  const std::string head = msg.substr(0, msg.find("\r\n\r\n"));
  for (const std::string& line : split(head, "\r\n")) {
    EXPECT_LE(line.size(), 78u) << line;
  }
}

TEST(RenderMessage, AsciiSubjectIsLeftAlone) {
  core::Mail m = sample_mail();
  m.subject = "Plain subject";
  Parsed p = parse(render_message(m, T0));
  EXPECT_EQ(p.header("Subject"), "Plain subject");
}

TEST(RenderMessage, SubjectCannotInjectHeaders) {
  core::Mail m = sample_mail();
  m.subject = "hi\r\nBcc: victim@example.com";
  const std::string msg = render_message(m, T0);
  Parsed p = parse(msg);
  EXPECT_EQ(p.count("Bcc"), 0) << msg;
  std::string error;
  EXPECT_EQ(decode_header(p.header("Subject"), &error), m.subject);
}

TEST(RenderMessage, MultipartAlternativeTextThenHtml) {
  const core::Mail m = sample_mail();
  const std::string msg = render_message(m, T0);
  Parsed p = parse(msg);
  auto parts = split(p.body, "--vouch-42-alt");
  // preamble, text, html, "--\r\n" epilogue
  ASSERT_EQ(parts.size(), 4u) << p.body;
  EXPECT_EQ(parts[0], "");
  EXPECT_EQ(parts[3], "--\r\n");
  Parsed text = parse(parts[1].substr(2));  // after the CRLF that ends the boundary line
  Parsed html = parse(parts[2].substr(2));
  EXPECT_EQ(text.header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(html.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(text.header("Content-Transfer-Encoding"), "8bit");
  // Bodies come back exactly, with CRLF line ends (plus the CRLF before the
  // next boundary, which belongs to the delimiter).
  EXPECT_EQ(
      text.body,
      "Hello,\r\n\r\nclick http://127.0.0.1:1/_vouch/verify-email?token=abc.def\r\n\r\nBye\r\n\r\n");
  EXPECT_EQ(html.body, m.html_body.substr(0, m.html_body.size() - 1) + "\r\n\r\n");
}

TEST(RenderMessage, OnlyCrlfLineEnds) {
  core::Mail m = sample_mail();
  m.text_body = "a\nb\r\nc\n";
  const std::string msg = render_message(m, T0);
  for (size_t i = 0; i < msg.size(); ++i) {
    if (msg[i] == '\n') {
      ASSERT_TRUE(i > 0 && msg[i - 1] == '\r') << "bare LF at " << i;
    }
    if (msg[i] == '\r') {
      ASSERT_TRUE(i + 1 < msg.size() && msg[i + 1] == '\n') << "bare CR at " << i;
    }
  }
  EXPECT_NE(msg.find("a\r\nb\r\nc\r\n"), std::string::npos);
}

// ---------------------------------------------------------------- a tiny SMTP server

struct Received {
  std::string helo, mail_from;
  std::vector<std::string> rcpt;
  std::string data;  // as on the wire, dot-stuffed, without the final "."
  bool data_done = false;
};

class TinySmtp {
 public:
  struct Replies {
    std::string greeting = "220 tiny ESMTP ready";
    std::string rcpt = "250 2.1.5 OK";
    std::string data_end = "250 2.0.0 Ok: queued as 1";
    bool silent = false;          // accept the connection and never say anything
    bool offer_starttls = false;  // in the EHLO reply; the STARTTLS command gets `starttls`
    std::string starttls = "454 4.7.0 TLS not available due to temporary reason";
  };

  explicit TinySmtp(Replies replies) : replies_(std::move(replies)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 16) != 0) {
      ADD_FAILURE() << "cannot listen on loopback";
      return;
    }
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~TinySmtp() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }

  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  std::vector<Received> sessions() {
    std::lock_guard lock(mu_);
    return sessions_;
  }
  std::vector<std::string> commands() {
    std::lock_guard lock(mu_);
    return commands_;
  }

 private:
  void serve() {
    while (!stopping_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      timeval tv{5, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      session(c);
      ::close(c);
    }
  }

  void say(int c, const std::string& line) {
    std::string out = line + "\r\n";
    (void)!::write(c, out.data(), out.size());
  }

  bool read_line(int c, std::string* buf, std::string* line) {
    for (;;) {
      size_t nl = buf->find("\r\n");
      if (nl != std::string::npos) {
        *line = buf->substr(0, nl);
        buf->erase(0, nl + 2);
        return true;
      }
      char tmp[4096];
      ssize_t n = ::read(c, tmp, sizeof tmp);
      if (n <= 0) return false;
      buf->append(tmp, static_cast<size_t>(n));
    }
  }

  void session(int c) {
    {
      std::lock_guard lock(mu_);
      sessions_.emplace_back();
    }
    auto current = [this]() -> Received& { return sessions_.back(); };
    if (replies_.silent) {
      char tmp[256];
      while (!stopping_ && ::read(c, tmp, sizeof tmp) > 0) {
      }
      return;
    }
    say(c, replies_.greeting);
    if (replies_.greeting.rfind("220", 0) != 0) {
      std::string buf, line;
      while (read_line(c, &buf, &line)) {
        say(c, "503 go away");
      }
      return;
    }
    std::string buf, line;
    while (read_line(c, &buf, &line)) {
      std::string verb = line.substr(0, line.find(' '));
      for (auto& ch : verb) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      {
        std::lock_guard lock(mu_);
        commands_.push_back(line);
      }
      if (verb == "EHLO" || verb == "HELO") {
        std::lock_guard lock(mu_);
        current().helo = line;
        say(c, replies_.offer_starttls ? "250-tiny\r\n250 STARTTLS" : "250 tiny");
      } else if (verb == "STARTTLS") {
        say(c, replies_.starttls);
      } else if (verb == "MAIL") {
        std::lock_guard lock(mu_);
        current().mail_from = line;
        say(c, "250 2.1.0 OK");
      } else if (verb == "RCPT") {
        {
          std::lock_guard lock(mu_);
          current().rcpt.push_back(line);
        }
        say(c, replies_.rcpt);
      } else if (verb == "DATA") {
        say(c, "354 End data with <CR><LF>.<CR><LF>");
        std::string data;
        bool done = false;
        while (read_line(c, &buf, &line)) {
          if (line == ".") {
            done = true;
            break;
          }
          data += line + "\r\n";
        }
        {
          std::lock_guard lock(mu_);
          current().data = data;
          current().data_done = done;
        }
        if (!done) return;
        say(c, replies_.data_end);
      } else if (verb == "QUIT") {
        say(c, "221 2.0.0 Bye");
        return;
      } else if (verb == "RSET" || verb == "NOOP") {
        say(c, "250 2.0.0 OK");
      } else {
        say(c, "502 5.5.2 Command not recognized");
      }
    }
  }

  const Replies replies_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<Received> sessions_;
  std::vector<std::string> commands_;
};

core::SendResult send_to(const std::string& url, const core::Mail& m = sample_mail(),
                         int timeout = 5, StartTls starttls = StartTls::kOpportunistic) {
  SmtpMailer mailer({url, seconds(timeout), starttls});
  return mailer.send(m);
}

core::SendResult send_to(const std::string& url, StartTls starttls) {
  return send_to(url, sample_mail(), 5, starttls);
}

bool asked_for(TinySmtp& server, std::string_view verb) {
  for (const auto& c : server.commands()) {
    if (c.rfind(verb, 0) == 0) return true;
  }
  return false;
}

// ---------------------------------------------------------------- send()

TEST(SmtpSend, Accepted250) {
  TinySmtp server({});
  auto r = send_to(server.url());
  EXPECT_EQ(r.kind, Kind::kAccepted) << r.detail;
  auto sessions = server.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  const Received& s = sessions[0];
  EXPECT_EQ(s.mail_from.rfind("MAIL FROM:<verify@vouch.test>", 0), 0u) << s.mail_from;
  ASSERT_EQ(s.rcpt.size(), 1u);
  EXPECT_EQ(s.rcpt[0], "RCPT TO:<alice@example.com>");
  ASSERT_TRUE(s.data_done);
  // What arrived is the rendered message (its Date aside).
  Parsed got = parse(s.data);
  Parsed want = parse(render_message(sample_mail(), T0));
  EXPECT_EQ(got.header("Message-ID"), want.header("Message-ID"));
  EXPECT_EQ(got.header("Subject"), want.header("Subject"));
  EXPECT_EQ(got.header("To"), "alice@example.com");
  EXPECT_EQ(got.body, want.body);
  EXPECT_FALSE(got.header("Date").empty());
}

TEST(SmtpSend, LoneDotLinesAreStuffed) {
  TinySmtp server({});
  core::Mail m = sample_mail();
  m.text_body = "before\n.\nafter\n..two\n";
  auto r = send_to(server.url(), m);
  ASSERT_EQ(r.kind, Kind::kAccepted) << r.detail;
  auto sessions = server.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  ASSERT_TRUE(sessions[0].data_done);
  // On the wire every line starting with "." gets one more.
  EXPECT_NE(sessions[0].data.find("before\r\n..\r\nafter\r\n...two\r\n"), std::string::npos)
      << sessions[0].data;
  // The message was not cut short at the lone dot.
  EXPECT_NE(sessions[0].data.find("text/html"), std::string::npos);
}

TEST(SmtpSend, Rcpt450IsTransient) {
  TinySmtp server({.rcpt = "450 4.2.0 Mailbox busy, try later"});
  auto r = send_to(server.url());
  EXPECT_EQ(r.kind, Kind::kTransient) << r.detail;
  EXPECT_NE(r.detail.find("450"), std::string::npos) << r.detail;
  EXPECT_FALSE(server.sessions().at(0).data_done);
}

TEST(SmtpSend, Rcpt550IsPermanent) {
  TinySmtp server({.rcpt = "550 5.1.1 <alice@example.com>: Recipient address rejected"});
  auto r = send_to(server.url());
  EXPECT_EQ(r.kind, Kind::kPermanent) << r.detail;
  EXPECT_NE(r.detail.find("550"), std::string::npos) << r.detail;
  EXPECT_FALSE(server.sessions().at(0).data_done) << "no DATA after a refused recipient";
}

TEST(SmtpSend, ServerReplyTextIsKept) {
  // last_error is "the SMTP server's reply": its text, not only the code.
  TinySmtp server({.rcpt = "550 5.1.1 No such user here"});
  auto r = send_to(server.url());
  EXPECT_EQ(r.kind, Kind::kPermanent) << r.detail;
  EXPECT_NE(r.detail.find("No such user here"), std::string::npos) << r.detail;
}

TEST(SmtpSend, Data550IsPermanent) {
  TinySmtp server({.data_end = "550 5.7.1 Message content rejected"});
  auto r = send_to(server.url());
  EXPECT_EQ(r.kind, Kind::kPermanent) << r.detail;
  EXPECT_NE(r.detail.find("550"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("Message content rejected"), std::string::npos) << r.detail;
  EXPECT_TRUE(server.sessions().at(0).data_done);
}

TEST(SmtpSend, Data451IsTransient) {
  TinySmtp server({.data_end = "451 4.3.0 Local error in processing"});
  auto r = send_to(server.url());
  EXPECT_EQ(r.kind, Kind::kTransient) << r.detail;
  EXPECT_NE(r.detail.find("451"), std::string::npos) << r.detail;
}

TEST(SmtpSend, Greeting421IsTransient) {
  TinySmtp server({.greeting = "421 4.3.2 Service not available, closing channel"});
  auto r = send_to(server.url());
  EXPECT_EQ(r.kind, Kind::kTransient) << r.detail;
}

TEST(SmtpSend, Greeting554IsPermanent) {
  TinySmtp server({.greeting = "554 5.7.1 No SMTP service here"});
  auto r = send_to(server.url());
  EXPECT_EQ(r.kind, Kind::kPermanent) << r.detail;
  EXPECT_NE(r.detail.find("554"), std::string::npos) << r.detail;
}

TEST(SmtpSend, ConnectionRefusedIsTransient) {
  // A port that was just free: nothing listens there.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  auto r = send_to("smtp://127.0.0.1:" + std::to_string(ntohs(a.sin_port)));
  EXPECT_EQ(r.kind, Kind::kTransient) << r.detail;
  EXPECT_FALSE(r.detail.empty());
}

TEST(SmtpSend, SilentServerTimesOutAsTransient) {
  TinySmtp server({.silent = true});
  const auto t = std::chrono::steady_clock::now();
  auto r = send_to(server.url(), sample_mail(), 1);
  EXPECT_EQ(r.kind, Kind::kTransient) << r.detail;
  EXPECT_LT(std::chrono::steady_clock::now() - t, seconds(4));
}

TEST(SmtpSend, OneSessionPerSend) {
  TinySmtp server({});
  SmtpMailer mailer({server.url(), seconds(5)});
  for (int i = 0; i < 3; ++i) {
    core::Mail m = sample_mail();
    m.id = 100 + i;
    EXPECT_EQ(mailer.send(m).kind, Kind::kAccepted);
  }
  auto sessions = server.sessions();
  ASSERT_EQ(sessions.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(parse(sessions[i].data).header("Message-ID"),
              "<outbox-" + std::to_string(100 + i) + ".id-0123456789abcdef0123@vouch>");
  }
}

// ---------------------------------------------------------------- STARTTLS
// The TLS session itself is covered against a real server in
// tests/integration/python/test_email_delivery.py; here, what is asked and when.

TEST(SmtpStartTls, OpportunisticAsksWhenOfferedAndGoesOnWhenRefused) {
  TinySmtp server({.offer_starttls = true});
  auto r = send_to(server.url(), StartTls::kOpportunistic);
  EXPECT_EQ(r.kind, Kind::kAccepted) << r.detail;
  EXPECT_TRUE(asked_for(server, "STARTTLS"));
  EXPECT_TRUE(asked_for(server, "MAIL FROM"));
}

TEST(SmtpStartTls, OpportunisticWithoutTheOfferSendsPlainText) {
  TinySmtp server({});
  auto r = send_to(server.url(), StartTls::kOpportunistic);
  EXPECT_EQ(r.kind, Kind::kAccepted) << r.detail;
  EXPECT_FALSE(asked_for(server, "STARTTLS"));
}

TEST(SmtpStartTls, OffNeverAsks) {
  TinySmtp server({.offer_starttls = true});
  auto r = send_to(server.url(), StartTls::kOff);
  EXPECT_EQ(r.kind, Kind::kAccepted) << r.detail;
  EXPECT_FALSE(asked_for(server, "STARTTLS"));
  EXPECT_TRUE(asked_for(server, "MAIL FROM"));
}

TEST(SmtpStartTls, RequiredSendsNothingWithoutIt) {
  for (bool offered : {false, true}) {  // not offered; offered and refused (454)
    TinySmtp server({.offer_starttls = offered});
    auto r = send_to(server.url(), StartTls::kRequired);
    EXPECT_EQ(r.kind, Kind::kTransient) << r.detail;
    EXPECT_NE(r.detail.find("STARTTLS"), std::string::npos) << r.detail;
    EXPECT_EQ(r.detail.rfind("SMTP 2", 0), std::string::npos) << "not a refusal: " << r.detail;
    EXPECT_EQ(asked_for(server, "STARTTLS"), offered);
    EXPECT_FALSE(asked_for(server, "MAIL FROM")) << "offered: " << offered;
  }
}

// A password never goes in clear, whatever the mode says.
TEST(SmtpStartTls, CredentialsRequireIt) {
  for (StartTls mode : {StartTls::kOpportunistic, StartTls::kOff}) {
    TinySmtp server({});
    const std::string url = "smtp://user:secret@" +
                            server.url().substr(std::string("smtp://").size());
    auto r = send_to(url, mode);
    EXPECT_EQ(r.kind, Kind::kTransient) << r.detail;
    EXPECT_FALSE(asked_for(server, "AUTH"));
    EXPECT_FALSE(asked_for(server, "MAIL FROM"));
  }
}

TEST(SmtpStartTls, CredentialsInTheUrl) {
  EXPECT_TRUE(smtp_url_has_credentials("smtp://u:p@host:25"));
  EXPECT_TRUE(smtp_url_has_credentials("smtp://u@host"));
  EXPECT_FALSE(smtp_url_has_credentials("smtp://host:25"));
  EXPECT_FALSE(smtp_url_has_credentials("smtp:host@x"));
}

}  // namespace
}  // namespace vouch::mail
