#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

namespace stockpulse {

// Which input columns (CSV header fields, Parquet columns, JSON keys) hold the parts of a post.
// The stock-market-tweets-data layout names them `id`, `created_at`, `text` (plus `sentiment`,
// ignored); other tweet dumps use `tweet`, `date`, `username`, ... The first name of each list
// that is present wins; matching ignores case and surrounding spaces. -1: absent.
//
// Value type; no state beyond its indices.
struct PostColumns {
  int time = -1;
  int text = -1;
  int id = -1;
  int user = -1;

  static constexpr std::array<std::string_view, 6> kTimeNames = {
      "created_at", "createdat", "timestamp", "datetime", "date", "time"};
  static constexpr std::array<std::string_view, 5> kTextNames = {"text", "tweet", "body", "content",
                                                                 "full_text"};
  static constexpr std::array<std::string_view, 4> kIdNames = {"id", "id_str", "tweet_id",
                                                               "status_id"};
  static constexpr std::array<std::string_view, 5> kUserNames = {"user", "username", "screen_name",
                                                                 "user_name", "author"};

  static std::string normalise(std::string_view name) {
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.front())))
      name.remove_prefix(1);
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back())))
      name.remove_suffix(1);
    // A UTF-8 byte-order mark before the first header field.
    if (name.substr(0, 3) == "\xEF\xBB\xBF") name.remove_prefix(3);
    std::string out(name);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  }

  template <size_t N>
  static int find(const std::vector<std::string>& names,
                  const std::array<std::string_view, N>& wanted) {
    for (std::string_view w : wanted)
      for (size_t i = 0; i < names.size(); ++i)
        if (normalise(names[i]) == w) return static_cast<int>(i);
    return -1;
  }

  static PostColumns from_names(const std::vector<std::string>& names) {
    PostColumns c;
    c.time = find(names, kTimeNames);
    c.text = find(names, kTextNames);
    c.id = find(names, kIdNames);
    c.user = find(names, kUserNames);
    return c;
  }
};

}  // namespace stockpulse
