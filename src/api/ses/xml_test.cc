// xml_escape and XmlWriter.
#include "api/ses/xml.h"

#include <gtest/gtest.h>

namespace vouch::api {
namespace {

TEST(XmlEscape, Specials) {
  EXPECT_EQ(xml_escape(""), "");
  EXPECT_EQ(xml_escape("plain text 123"), "plain text 123");
  EXPECT_EQ(xml_escape("&"), "&amp;");
  EXPECT_EQ(xml_escape("<"), "&lt;");
  EXPECT_EQ(xml_escape(">"), "&gt;");
  EXPECT_EQ(xml_escape("\""), "&quot;");
  EXPECT_EQ(xml_escape("'"), "&apos;");
  EXPECT_EQ(xml_escape("a<b>&\"c'd"), "a&lt;b&gt;&amp;&quot;c&apos;d");
  EXPECT_EQ(xml_escape("&amp;"), "&amp;amp;");  // no double-decoding shortcuts
}

TEST(XmlEscape, ControlCharacters) {
  // Tab, LF and CR are legal XML 1.0 characters and pass through.
  EXPECT_EQ(xml_escape("a\tb\nc\rd"), "a\tb\nc\rd");
  // Other C0 controls are not allowed in XML 1.0 and become U+FFFD.
  EXPECT_EQ(xml_escape(std::string("x\0y", 3)), "x&#xFFFD;y");
  EXPECT_EQ(xml_escape("\x01\x08\x0b\x0c\x1f"), "&#xFFFD;&#xFFFD;&#xFFFD;&#xFFFD;&#xFFFD;");
  EXPECT_EQ(xml_escape("\x1b[0m"), "&#xFFFD;[0m");
  // Space and DEL-free printable ASCII are untouched.
  EXPECT_EQ(xml_escape(" ~"), " ~");
}

TEST(XmlEscape, Utf8PassesThrough) {
  EXPECT_EQ(xml_escape("caf\xC3\xA9 \xE6\x97\xA5"), "caf\xC3\xA9 \xE6\x97\xA5");
}

TEST(XmlWriter, Nesting) {
  XmlWriter x;
  x.open("A", "http://example.com/ns").open("B").leaf("C", "1").leaf("D", "x<y").close("B");
  x.open("E").close("E").close("A");
  EXPECT_EQ(x.take(), "<A xmlns=\"http://example.com/ns\"><B><C>1</C><D>x&lt;y</D></B><E></E></A>");
}

TEST(XmlWriter, LeafEscapesTextOnly) {
  XmlWriter x;
  x.leaf("member", "a&b@\"c\".com").leaf("empty", "");
  EXPECT_EQ(x.take(), "<member>a&amp;b@&quot;c&quot;.com</member><empty></empty>");
}

TEST(XmlWriter, Empty) {
  XmlWriter x;
  x.open("Result").empty("Identities").empty("VerificationAttributes").close("Result");
  EXPECT_EQ(x.take(), "<Result><Identities/><VerificationAttributes/></Result>");
}

TEST(XmlWriter, RawIsNotEscaped) {
  XmlWriter x;
  x.open("value").raw("<DkimTokens><member>t&amp;1</member></DkimTokens>").close("value");
  EXPECT_EQ(x.take(), "<value><DkimTokens><member>t&amp;1</member></DkimTokens></value>");
}

TEST(XmlWriter, FreshWriterIsEmpty) {
  XmlWriter x;
  EXPECT_EQ(x.take(), "");
}

}  // namespace
}  // namespace vouch::api
