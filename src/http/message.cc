#include "http/message.h"

#include <cstdio>

namespace vouch::http {

namespace {
InternalErrorLog& internal_error_log() {
  static InternalErrorLog log;
  return log;
}
}  // namespace

void set_internal_error_log(InternalErrorLog log) { internal_error_log() = std::move(log); }

void log_internal_error(std::string_view request_id, std::string_view cause) {
  constexpr size_t kMaxCause = 1024;
  std::string line = "internal error, request ";
  line.append(request_id.empty() ? "-" : request_id).append(": ");
  for (char c : cause.substr(0, kMaxCause)) {
    line.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
  }
  if (cause.size() > kMaxCause) line.append("...");
  if (internal_error_log()) return internal_error_log()(request_id, line);
  line = "vouch: " + line + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);  // one write: lines do not interleave
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

const std::string* Request::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) return &h.value;
  }
  return nullptr;
}

std::string_view Request::path() const {
  std::string_view t(target);
  return t.substr(0, t.find('?'));
}

std::string_view Request::query() const {
  std::string_view t(target);
  size_t q = t.find('?');
  return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
}

}  // namespace vouch::http
