#pragma once

#include <string_view>

namespace stockpulse {

// Files compiled into the library at build time (embedded_data.cc, `.incbin`): the VADER lexicon
// (CMake VADER_LEXICON_FILE) and Unicode's emoji-test.txt (CMake EMOJI_TEST_FILE).
// The views are valid for the whole program.
std::string_view embedded_vader_lexicon();
std::string_view embedded_emoji_test();

}  // namespace stockpulse
