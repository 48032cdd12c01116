#include "api/common/json_writer.h"

#include <cassert>
#include <charconv>

#include <nlohmann/json.hpp>

namespace vouch::api {

namespace {

// Bytes nlohmann writes as they are: printable ASCII but the quote and the
// backslash.
bool plain(std::string_view s) {
  for (unsigned char c : s) {
    if (static_cast<unsigned char>(c - 0x20) >= 0x60 || c == '"' || c == '\\') return false;
  }
  return true;
}

}  // namespace

void JsonWriter::comma() {
  if (follows_) out_.push_back(',');
}

JsonWriter& JsonWriter::open(char c) {
  comma();
  out_.push_back(c);
  follows_ = false;
  return *this;
}

JsonWriter& JsonWriter::close(char c) {
  out_.push_back(c);
  follows_ = true;
  return *this;
}

void JsonWriter::quoted(std::string_view s) {
  if (plain(s)) {
    out_.push_back('"');
    out_.append(s);
    out_.push_back('"');
    return;
  }
  // Escapes, UTF-8 and its repair: nlohmann's own, so the bytes stay its.
  out_.append(nlohmann::json(std::string(s))
                  .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

JsonWriter& JsonWriter::key(std::string_view k) {
  assert(plain(k));
  comma();
  out_.push_back('"');
  out_.append(k);
  out_.append("\":", 2);
  follows_ = false;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view s) {
  comma();
  quoted(s);
  follows_ = true;
  return *this;
}

JsonWriter& JsonWriter::number(int64_t v) {
  comma();
  char buf[24];
  out_.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  follows_ = true;
  return *this;
}

JsonWriter& JsonWriter::boolean(bool b) {
  comma();
  out_.append(b ? "true" : "false");
  follows_ = true;
  return *this;
}

}  // namespace vouch::api
