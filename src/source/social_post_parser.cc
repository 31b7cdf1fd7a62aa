#include "source/social_post_parser.h"

#include <simdjson.h>

#include <string>
#include <unordered_map>

#include "decode/html_entities.h"

namespace stockpulse {

namespace dom = simdjson::dom;

namespace {

// A field that is present and not null.
bool get_field(dom::object obj, std::string_view key, dom::element& out) {
  return !obj.at_key(key).get(out) && !out.is_null();
}

bool get_object(dom::object obj, std::string_view key, dom::object& out) {
  dom::element e;
  return get_field(obj, key, e) && !e.get_object().get(out);
}

void set_problem(SocialPost& p, DeadLetterReason reason, std::string detail) {
  if (p.problem) return;  // the first problem is the one reported
  p.problem = reason;
  p.detail = std::move(detail);
}

// A string field into out. Absent or null: false, no problem; another type: false, kWrongType.
bool string_field(dom::object obj, std::string_view key, std::string& out, SocialPost& p) {
  dom::element e;
  if (!get_field(obj, key, e)) return false;
  std::string_view s;
  if (e.get_string().get(s)) {
    set_problem(p, DeadLetterReason::kWrongType,
                "field '" + std::string(key) + "' is not a string");
    return false;
  }
  out.assign(s);
  return true;
}

// An id given as a string or a non-negative integer (tweet ids exceed 2^53: kept as digits).
bool id_field(dom::object obj, std::string_view key, std::string& out, SocialPost& p) {
  dom::element e;
  if (!get_field(obj, key, e)) return false;
  std::string_view s;
  uint64_t n = 0;
  if (!e.get_string().get(s)) {
    out.assign(s);
    return !out.empty();
  }
  if (!e.get_uint64().get(n)) {
    out = std::to_string(n);
    return true;
  }
  set_problem(p, DeadLetterReason::kWrongType,
              "field '" + std::string(key) + "' is neither a string nor a non-negative integer");
  return false;
}

void set_text(SocialPost& p, std::string text) {
  decode_html_entities(text);
  p.text = std::move(text);
  p.has_text = !p.text.empty();
}

// The full text of a v1.1 tweet object: extended_tweet.full_text, full_text, text.
bool v1_text(dom::object tweet, std::string& out, SocialPost& p) {
  dom::object ext;
  if (get_object(tweet, "extended_tweet", ext) && string_field(ext, "full_text", out, p))
    return true;
  return string_field(tweet, "full_text", out, p) || string_field(tweet, "text", out, p);
}

// The user of a v1.1 tweet: user.screen_name, or a plain string user.
void v1_user(dom::object tweet, std::string& out, SocialPost& p) {
  dom::element u;
  if (!get_field(tweet, "user", u)) return;
  dom::object uo;
  if (!u.get_object().get(uo)) {
    string_field(uo, "screen_name", out, p);
    return;
  }
  std::string_view s;
  if (!u.get_string().get(s)) out.assign(s);
}

void parse_v1_tweet(dom::object tweet, SocialPost& p) {
  p.source = "twitter";
  if (!id_field(tweet, "id_str", p.id, p)) id_field(tweet, "id", p.id, p);
  string_field(tweet, "created_at", p.time_text, p);
  v1_user(tweet, p.user, p);
  std::string text;
  v1_text(tweet, text, p);
  dom::object rs;
  if (get_object(tweet, "retweeted_status", rs)) {
    // The retweet's own text is "RT @a: " plus the original cut to 140 characters; the original
    // is here in full.
    SocialPost orig;
    if (!id_field(rs, "id_str", p.retweet_of, orig)) id_field(rs, "id", p.retweet_of, orig);
    std::string orig_text, orig_user;
    v1_user(rs, orig_user, orig);
    if (v1_text(rs, orig_text, orig) && !orig_user.empty())
      text = "RT @" + orig_user + ": " + orig_text;
  }
  set_text(p, std::move(text));
}

struct V2Includes {
  std::unordered_map<std::string, std::string> users;  // id -> username
  struct Tweet {
    std::string author_id;
    std::string text;
  };
  std::unordered_map<std::string, Tweet> tweets;  // id -> referenced tweet
};

// note_tweet.text (the whole of a long post) over text.
bool v2_text(dom::object tweet, std::string& out, SocialPost& p) {
  dom::object note;
  if (get_object(tweet, "note_tweet", note) && string_field(note, "text", out, p)) return true;
  return string_field(tweet, "text", out, p);
}

void parse_v2_tweet(dom::object tweet, const V2Includes& inc, SocialPost& p) {
  p.source = "twitter";
  id_field(tweet, "id", p.id, p);
  string_field(tweet, "created_at", p.time_text, p);
  std::string author_id;
  id_field(tweet, "author_id", author_id, p);
  if (auto it = inc.users.find(author_id); it != inc.users.end()) {
    p.user = it->second;
  } else {
    dom::object author;  // twarc's flattened form carries the author inline
    if (!get_object(tweet, "author", author) || !string_field(author, "username", p.user, p))
      p.user = author_id;
  }
  std::string text;
  v2_text(tweet, text, p);
  dom::element refs;
  if (get_field(tweet, "referenced_tweets", refs)) {
    dom::array arr;
    if (refs.get_array().get(arr)) {
      set_problem(p, DeadLetterReason::kWrongType, "field 'referenced_tweets' is not an array");
    } else {
      for (dom::element r : arr) {
        dom::object ro;
        std::string_view type;
        if (r.get_object().get(ro) || ro["type"].get_string().get(type) || type != "retweeted")
          continue;
        SocialPost ignored;
        id_field(ro, "id", p.retweet_of, ignored);
        if (auto it = inc.tweets.find(p.retweet_of); it != inc.tweets.end()) {
          auto u = inc.users.find(it->second.author_id);
          if (u != inc.users.end()) text = "RT @" + u->second + ": " + it->second.text;
        }
      }
    }
  }
  set_text(p, std::move(text));
}

void read_v2_includes(dom::object page, V2Includes& inc) {
  inc.users.clear();
  inc.tweets.clear();
  dom::object includes;
  if (!get_object(page, "includes", includes)) return;
  dom::array users, tweets;
  SocialPost ignored;
  if (!includes["users"].get_array().get(users)) {
    for (dom::element u : users) {
      dom::object uo;
      std::string id, name;
      if (u.get_object().get(uo)) continue;
      if (id_field(uo, "id", id, ignored) && string_field(uo, "username", name, ignored))
        inc.users[id] = name;
    }
  }
  if (!includes["tweets"].get_array().get(tweets)) {
    for (dom::element t : tweets) {
      dom::object to;
      std::string id;
      V2Includes::Tweet tw;
      if (t.get_object().get(to)) continue;
      if (id_field(to, "id", id, ignored) && v2_text(to, tw.text, ignored)) {
        id_field(to, "author_id", tw.author_id, ignored);
        inc.tweets[id] = std::move(tw);
      }
    }
  }
}

void parse_stocktwits_message(dom::object msg, SocialPost& p) {
  p.source = "stocktwits";
  id_field(msg, "id", p.id, p);
  string_field(msg, "created_at", p.time_text, p);
  dom::object user;
  if (get_object(msg, "user", user)) string_field(user, "username", p.user, p);
  std::string body;
  string_field(msg, "body", body, p);
  set_text(p, std::move(body));
  dom::element symbols;
  if (get_field(msg, "symbols", symbols)) {
    dom::array arr;
    if (symbols.get_array().get(arr)) {
      set_problem(p, DeadLetterReason::kWrongType, "field 'symbols' is not an array");
    } else {
      for (dom::element s : arr) {
        dom::object so;
        std::string_view sym;
        if (s.get_object().get(so) || so["symbol"].get_string().get(sym) || sym.empty()) continue;
        if (sym.size() > 32 || p.symbols.size() >= 64) continue;  // the contract's limits
        p.symbols.emplace_back(sym);
      }
    }
  }
  dom::object entities, sentiment;
  if (get_object(msg, "entities", entities) && get_object(entities, "sentiment", sentiment)) {
    std::string basic;
    if (string_field(sentiment, "basic", basic, p)) {
      if (basic == "Bullish" || basic == "bullish") {
        p.label = SentimentLabel::kBullish;
      } else if (basic == "Bearish" || basic == "bearish") {
        p.label = SentimentLabel::kBearish;
      } else {
        set_problem(p, DeadLetterReason::kWrongType,
                    "entities.sentiment.basic '" + basic.substr(0, 40) +
                        "' is neither Bullish nor Bearish");
      }
    }
  }
}

bool removed(std::string_view s) {
  return s == "[removed]" || s == "[deleted]";
}

void parse_reddit(dom::object obj, SocialPost& p) {
  std::string subreddit;
  string_field(obj, "subreddit", subreddit, p);
  p.source = subreddit.empty() ? "reddit" : "reddit/r/" + subreddit;
  string_field(obj, "author", p.user, p);
  dom::element created;
  if (get_field(obj, "created_utc", created)) {
    double secs = 0;
    std::string_view s;
    if (!created.get_string().get(s)) {
      p.time_text.assign(s);
    } else if (!created.get_double().get(secs)) {
      if (secs >= 0 && secs < 1e11) {
        p.time_ms = static_cast<int64_t>(secs * 1000);
      } else {
        p.time_text = std::to_string(secs);  // does not parse: a bad_timestamp dead letter
      }
    } else {
      set_problem(p, DeadLetterReason::kWrongType, "field 'created_utc' is not a number");
    }
  }
  std::string title, body;
  const bool submission = string_field(obj, "title", title, p);
  std::string id;
  id_field(obj, "id", id, p);
  if (!string_field(obj, "name", p.id, p) && !id.empty()) p.id = (submission ? "t3_" : "t1_") + id;
  std::string text;
  if (submission) {
    std::string selftext;
    string_field(obj, "selftext", selftext, p);
    text = removed(title) ? std::string() : title;
    if (!selftext.empty() && !removed(selftext)) text += (text.empty() ? "" : "\n\n") + selftext;
  } else if (string_field(obj, "body", body, p) && !removed(body)) {
    text = std::move(body);
  }
  set_text(p, std::move(text));
}

}  // namespace

struct SocialPostParser::Impl {
  dom::parser parser;
  V2Includes includes;
};

SocialPostParser::SocialPostParser(PostFileFormat format)
    : format_(format), impl_(std::make_unique<Impl>()) {}

SocialPostParser::~SocialPostParser() = default;

void SocialPostParser::parse(std::string_view record, std::vector<SocialPost>& out) {
  out.clear();
  dom::element doc;
  dom::object obj;
  if (impl_->parser.parse(record.data(), record.size(), true).get(doc)) {
    auto& p = out.emplace_back();
    set_problem(p, DeadLetterReason::kMalformedJson, "not JSON");
    return;
  }
  if (doc.get_object().get(obj)) {
    auto& p = out.emplace_back();
    set_problem(p, DeadLetterReason::kMalformedJson, "not a JSON object");
    return;
  }
  // A list of posts under `key` (a page or response), or no list: false.
  auto each_in = [&](std::string_view key, auto&& parse_one) {
    dom::element list;
    if (!get_field(obj, key, list)) return false;
    dom::array arr;
    dom::object single;
    if (!list.get_object().get(single)) {
      parse_one(single, out.emplace_back());
      out.back().raw = simdjson::minify(list).substr(0, kMaxDeadLetterPayload);
    } else if (!list.get_array().get(arr)) {
      for (dom::element e : arr) {
        auto& p = out.emplace_back();
        dom::object eo;
        if (e.get_object().get(eo)) {
          set_problem(p, DeadLetterReason::kMalformedJson,
                      "an element of '" + std::string(key) + "' is not an object");
        } else {
          parse_one(eo, p);
        }
        // Its own JSON, for a dead letter (also one PostReplay finds: no time, no text).
        p.raw = simdjson::minify(e).substr(0, kMaxDeadLetterPayload);
      }
    } else {
      set_problem(out.emplace_back(), DeadLetterReason::kWrongType,
                  "field '" + std::string(key) + "' is neither an array nor an object");
    }
    return true;
  };
  switch (format_) {
    case PostFileFormat::kTwitterV1:
      parse_v1_tweet(obj, out.emplace_back());
      return;
    case PostFileFormat::kTwitterArchive: {
      dom::object inner;
      // An archive is one account's; its tweets name no user (so user stays "").
      parse_v1_tweet(get_object(obj, "tweet", inner) ? inner : obj, out.emplace_back());
      return;
    }
    case PostFileFormat::kTwitterV2: {
      dom::element data;
      if (get_field(obj, "data", data)) {
        read_v2_includes(obj, impl_->includes);
        each_in("data",
                [&](dom::object t, SocialPost& p) { parse_v2_tweet(t, impl_->includes, p); });
      } else if (obj.at_key("data").error() == simdjson::NO_SUCH_FIELD &&
                 (obj.at_key("meta").error() == simdjson::SUCCESS ||
                  obj.at_key("errors").error() == simdjson::SUCCESS)) {
        // A page without results ({"meta": {"result_count": 0}}): no posts.
      } else {
        impl_->includes.users.clear();
        impl_->includes.tweets.clear();
        parse_v2_tweet(obj, impl_->includes, out.emplace_back());
      }
      return;
    }
    case PostFileFormat::kStockTwits:
      if (each_in("messages", parse_stocktwits_message)) return;
      if (each_in("message", parse_stocktwits_message)) return;
      parse_stocktwits_message(obj, out.emplace_back());
      return;
    case PostFileFormat::kReddit:
      parse_reddit(obj, out.emplace_back());
      return;
    case PostFileFormat::kAuto:
    case PostFileFormat::kCsv:
    case PostFileFormat::kJsonLines:
    case PostFileFormat::kParquet:
      break;
  }
  set_problem(out.emplace_back(), DeadLetterReason::kMalformedJson,
              "not a social-media API format");
}

std::optional<PostFileFormat> classify_json_record(std::string_view record) {
  dom::parser parser;
  dom::element doc;
  dom::object obj;
  if (parser.parse(record.data(), record.size(), true).get(doc) || doc.get_object().get(obj))
    return std::nullopt;
  auto has = [&](std::string_view key) { return obj.at_key(key).error() == simdjson::SUCCESS; };
  dom::object inner;
  if (get_object(obj, "tweet", inner)) return PostFileFormat::kTwitterArchive;
  if (has("data") && (has("includes") || has("meta") || has("errors")))
    return PostFileFormat::kTwitterV2;
  if (has("messages") || (has("message") && has("response"))) return PostFileFormat::kStockTwits;
  if (has("subreddit") || has("created_utc") || (has("selftext") && has("title")))
    return PostFileFormat::kReddit;
  if (has("id_str") || has("full_text") || has("retweeted_status") || has("extended_tweet") ||
      has("in_reply_to_status_id") || has("favorite_count"))
    return PostFileFormat::kTwitterV1;
  if (has("body") && has("created_at") && get_object(obj, "user", inner) &&
      inner.at_key("username").error() == simdjson::SUCCESS)
    return PostFileFormat::kStockTwits;
  if (has("author_id") || has("referenced_tweets") || has("edit_history_tweet_ids") ||
      (has("data") && !has("text")))
    return PostFileFormat::kTwitterV2;
  // Anything else (a user object and a Twitter-format time alone included) is read by the
  // generic JSON-lines path, which takes those too.
  return PostFileFormat::kJsonLines;
}

}  // namespace stockpulse
