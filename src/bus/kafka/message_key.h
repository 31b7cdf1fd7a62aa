#pragma once

#include <string>
#include <string_view>

namespace stockpulse {

// Partition keys of the bus contracts (docs/design.md §3): a post is keyed by its first cashtag, a
// bar by its symbol, so everything about one symbol lands in one partition, in order.

// The first cashtag of `text`, upper-cased ("$brk.b" -> "BRK.B"), or "" when there is none. Same
// rule as the sentiment stage's TickerExtractor: "$" + 1-5 ASCII letters + an optional ".X" class
// suffix of 1-2 letters, not glued to a preceding letter or digit, not followed by one ("$100",
// "US$5", "$TOOLONG" are not cashtags).
// Thread-safety: a pure function.
std::string first_cashtag(std::string_view text);

}  // namespace stockpulse
