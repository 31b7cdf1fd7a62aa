#include "decode/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace stockpulse {
namespace {

TEST(Utf8, WellFormedSequences) {
  EXPECT_EQ(utf8_first_invalid("plain ascii"), 11u);
  EXPECT_EQ(utf8_first_invalid("\xC3\xA9"), 2u);          // é
  EXPECT_EQ(utf8_first_invalid("\xE2\x82\xAC"), 3u);      // €
  EXPECT_EQ(utf8_first_invalid("\xF0\x9F\x9A\x80"), 4u);  // 🚀
  EXPECT_EQ(utf8_first_invalid("\xF4\x8F\xBF\xBF"), 4u);  // U+10FFFF
  EXPECT_EQ(utf8_first_invalid("\xED\x9F\xBF"), 3u);      // U+D7FF, just below surrogates
}

TEST(Utf8, IllFormedSequences) {
  EXPECT_EQ(utf8_first_invalid("ab\x80"), 2u);            // lone continuation
  EXPECT_EQ(utf8_first_invalid("\xC0\xAF"), 0u);          // overlong
  EXPECT_EQ(utf8_first_invalid("\xE0\x80\xAF"), 0u);      // overlong
  EXPECT_EQ(utf8_first_invalid("x\xED\xA0\x80"), 1u);     // surrogate U+D800
  EXPECT_EQ(utf8_first_invalid("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(utf8_first_invalid("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(utf8_first_invalid("\xF0\x9F\x9A"), 0u);  // truncated at the end
  EXPECT_EQ(utf8_first_invalid("\xFF"), 0u);
}

TEST(Utf8, MaximalSubparts) {
  // Unicode's example: each maximal subpart of an ill-formed sequence is one replacement.
  EXPECT_EQ(utf8_invalid_length("\xF0\x9F\x9A"
                                "a",
                                0),
            3u);
  EXPECT_EQ(utf8_invalid_length("\xE0\x80", 0), 1u);  // E0 80: 80 cannot follow E0
  EXPECT_EQ(utf8_invalid_length("\xC3"
                                "a",
                                0),
            1u);
  EXPECT_EQ(utf8_invalid_length("\x80\x80", 0), 1u);
}

}  // namespace
}  // namespace stockpulse
