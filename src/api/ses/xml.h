// A small XML writer for awsQuery responses: elements and escaped text only.
#pragma once

#include <string>
#include <string_view>

#include "api/common/escape.h"

namespace vouch::api {

class XmlWriter {
 public:
  XmlWriter() = default;
  explicit XmlWriter(size_t expected_size) { out_.reserve(expected_size); }
  XmlWriter& open(std::string_view tag);
  XmlWriter& open(std::string_view tag, std::string_view xmlns);
  XmlWriter& close(std::string_view tag);
  XmlWriter& leaf(std::string_view tag, std::string_view text);  // <tag>escaped</tag>
  XmlWriter& empty(std::string_view tag);                        // <tag/>
  XmlWriter& raw(std::string_view xml);                          // already well-formed XML
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace vouch::api
