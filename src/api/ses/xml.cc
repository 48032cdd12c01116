#include "api/ses/xml.h"

namespace vouch::api {

XmlWriter& XmlWriter::open(std::string_view tag) {
  out_.append("<").append(tag).append(">");
  return *this;
}

XmlWriter& XmlWriter::open(std::string_view tag, std::string_view xmlns) {
  out_.append("<").append(tag).append(" xmlns=\"").append(xmlns).append("\">");
  return *this;
}

XmlWriter& XmlWriter::close(std::string_view tag) {
  out_.append("</").append(tag).append(">");
  return *this;
}

XmlWriter& XmlWriter::leaf(std::string_view tag, std::string_view text) {
  out_.append("<").append(tag).append(">");
  append_escaped(out_, text);
  out_.append("</").append(tag).append(">");
  return *this;
}

XmlWriter& XmlWriter::empty(std::string_view tag) {
  out_.append("<").append(tag).append("/>");
  return *this;
}

XmlWriter& XmlWriter::raw(std::string_view xml) {
  out_.append(xml);
  return *this;
}

}  // namespace vouch::api
