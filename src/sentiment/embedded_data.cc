#include "sentiment/embedded_data.h"

// The data files are pulled in by the assembler (`.incbin`) rather than converted to a C array:
// it is instantaneous at build time and keeps the files byte-exact. CMake passes the absolute paths
// as SP_VADER_LEXICON_PATH / SP_EMOJI_TEST_PATH and lists the files as OBJECT_DEPENDS so a changed
// file rebuilds this object.
#define SP_INCBIN(sym, path)          \
  __asm__(                            \
      ".section .rodata\n"            \
      ".balign 16\n"                  \
      ".global " #sym "_begin\n" #sym \
      "_begin:\n"                     \
      ".incbin \"" path               \
      "\"\n"                          \
      ".global " #sym "_end\n" #sym   \
      "_end:\n"                       \
      ".byte 0\n"                     \
      ".previous\n")

SP_INCBIN(sp_vader_lexicon, SP_VADER_LEXICON_PATH);
SP_INCBIN(sp_emoji_test, SP_EMOJI_TEST_PATH);

extern "C" const char sp_vader_lexicon_begin[];
extern "C" const char sp_vader_lexicon_end[];
extern "C" const char sp_emoji_test_begin[];
extern "C" const char sp_emoji_test_end[];

namespace stockpulse {

std::string_view embedded_vader_lexicon() {
  return {sp_vader_lexicon_begin,
          static_cast<size_t>(sp_vader_lexicon_end - sp_vader_lexicon_begin)};
}

std::string_view embedded_emoji_test() {
  return {sp_emoji_test_begin, static_cast<size_t>(sp_emoji_test_end - sp_emoji_test_begin)};
}

}  // namespace stockpulse
