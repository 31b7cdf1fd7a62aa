#pragma once

#include <string>
#include <string_view>

namespace stockpulse {

// Decodes the HTML character references social-media APIs leave in post texts (Twitter escapes
// `&`, `<` and `>` in every text it serves; Reddit and StockTwits do the same): the named
// `&amp; &lt; &gt; &quot; &apos; &nbsp;` and numeric `&#NNN;` / `&#xHH;` references (as UTF-8;
// U+0000, surrogates and code points above U+10FFFF are left as written). Anything else that
// starts with '&' (an unknown name, a missing ';', "AT&T") is kept as it is. One pass: "&amp;lt;"
// becomes "&lt;", as a browser shows it.
//
// Appends the result to `out`. Free function, no state; safe from any thread.
void append_html_decoded(std::string_view in, std::string& out);

// The same, in place: `text` is rewritten only when it holds a '&'.
void decode_html_entities(std::string& text);

}  // namespace stockpulse
