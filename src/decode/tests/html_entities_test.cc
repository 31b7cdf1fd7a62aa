#include "decode/html_entities.h"

#include <gtest/gtest.h>

#include <string>

namespace stockpulse {
namespace {

std::string decoded(std::string s) {
  decode_html_entities(s);
  return s;
}

TEST(HtmlEntities, NamedAndNumericReferences) {
  EXPECT_EQ(decoded("$AAPL &amp; $MSFT &lt;3 &gt; &quot;q&quot; it&#39;s &apos;"),
            "$AAPL & $MSFT <3 > \"q\" it's '");
  EXPECT_EQ(decoded("&#128640; &#x1F680; &#X1f680; &#233;t&#xE9;"), "🚀 🚀 🚀 été");
  EXPECT_EQ(decoded("a&nbsp;b"),
            "a\xC2\xA0"
            "b");
}

TEST(HtmlEntities, AnythingElseIsKept) {
  // One pass only: an escaped reference stays a reference.
  EXPECT_EQ(decoded("&amp;lt;"), "&lt;");
  EXPECT_EQ(decoded("AT&T & co &unknown; &amp &#; &#x; &#12a; &;"),
            "AT&T & co &unknown; &amp &#; &#x; &#12a; &;");
  // Not characters: NUL, surrogates, beyond U+10FFFF, too many digits.
  EXPECT_EQ(decoded("&#0; &#xD800; &#x110000; &#00000000065;"),
            "&#0; &#xD800; &#x110000; &#00000000065;");
  EXPECT_EQ(decoded("ends with &"), "ends with &");
  EXPECT_EQ(decoded("no references"), "no references");
  std::string out = "kept:";
  append_html_decoded("x&gt;y", out);
  EXPECT_EQ(out, "kept:x>y");
}

}  // namespace
}  // namespace stockpulse
