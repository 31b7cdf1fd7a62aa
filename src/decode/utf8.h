#pragma once

#include <cstddef>
#include <string_view>

namespace stockpulse {

// UTF-8 helpers shared by the decoders (to say where input went bad) and the JSON encoder (to
// repair text before writing it). Well-formedness follows Unicode table 3-7: no overlong forms,
// no surrogates, nothing above U+10FFFF.

// Length (1-4) of the well-formed sequence starting at s[pos], or 0 when it is ill-formed or
// truncated. s[pos] must exist.
size_t utf8_sequence_length(std::string_view s, size_t pos);

// Length of the maximal ill-formed subpart starting at s[pos] (at least 1): the bytes that one
// U+FFFD replaces under the Unicode "substitution of maximal subparts" practice.
size_t utf8_invalid_length(std::string_view s, size_t pos);

// Offset of the first byte that starts an ill-formed sequence, or s.size() when s is valid.
size_t utf8_first_invalid(std::string_view s);

}  // namespace stockpulse
