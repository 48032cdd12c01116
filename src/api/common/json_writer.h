// Compact JSON written straight into a string, for hot responses where
// building an nlohmann::json tree cost more than the rest of the request.
// The bytes are nlohmann's dump(-1, ' ', false, replace) of the same values
// provided the caller writes each object's members in sorted key order
// (std::map's, which nlohmann's objects follow).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vouch::api {

class JsonWriter {
 public:
  JsonWriter() { out_.reserve(1024); }  // a GetEmailIdentity body fits: no regrowth

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  // `k` is the caller's constant, plain ASCII that needs no escape: written
  // as it is (asserted in debug builds).
  JsonWriter& key(std::string_view k);
  JsonWriter& string(std::string_view s);
  JsonWriter& number(int64_t v);
  JsonWriter& boolean(bool b);

  std::string take() { return std::move(out_); }

 private:
  JsonWriter& open(char c);
  JsonWriter& close(char c);
  void comma();  // before a value or a key that follows another
  void quoted(std::string_view s);

  std::string out_;
  bool follows_ = false;  // a value was written at this level
};

}  // namespace vouch::api
