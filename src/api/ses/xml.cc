#include "api/ses/xml.h"

namespace vouch::api {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // Control characters other than tab/CR/LF are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += "&#xFFFD;";
        } else {
          out += c;
        }
    }
  }
  return out;
}

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
  out_.append("<").append(tag).append(">").append(xml_escape(text)).append("</").append(tag).append(">");
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
