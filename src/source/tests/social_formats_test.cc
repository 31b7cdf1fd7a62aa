// The social-media API formats read by PostReplay, on the hand-written fixtures of
// tests/fixtures/formats (README.md there states what each file holds).
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/time_format.h"
#include "source/post_replay.h"
#include "source/social_post_parser.h"

namespace stockpulse {
namespace {

namespace fs = std::filesystem;

std::string fixture(const std::string& name) {
  return std::string(STOCKPULSE_SOURCE_DIR) + "/tests/fixtures/formats/" + name;
}

fs::path test_dir() {
  const auto dir =
      fs::temp_directory_path() / ("sp_social_formats_test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

std::string temp_file(const std::string& name, const std::string& content) {
  const std::string path = (test_dir() / name).string();
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

int64_t iso(const char* s) {
  return parse_iso8601(s).value().value();
}

struct Item {
  bool is_post = false;
  Post post;
  DeadLetter letter;
};

std::vector<Item> drain(PostReplay& r, size_t limit = SIZE_MAX) {
  std::vector<Item> out;
  while (out.size() < limit) {
    Item it;
    const ReplayStatus st = r.next(it.post, it.letter);
    if (st == ReplayStatus::kEnd) break;
    EXPECT_NE(st, ReplayStatus::kError) << r.error();
    if (st == ReplayStatus::kError) break;
    it.is_post = st == ReplayStatus::kPost;
    out.push_back(std::move(it));
  }
  return out;
}

std::vector<Item> read_all(const std::string& path, bool dedupe,
                           PostFileFormat format = PostFileFormat::kAuto) {
  SimulatedClock clock(1'000'000);
  PostReplay r({.format = format, .speed = 0, .dedupe = dedupe, .dedupe_max_entries = 4096}, clock);
  const auto err = r.open(path);
  EXPECT_FALSE(err) << *err;
  if (err) return {};
  return drain(r);
}

std::string describe(const Item& it) {
  if (it.is_post) {
    std::string s = "post " + it.post.id + " " + format_iso8601(it.post.created_at) + " @" +
                    it.post.user + " " + it.post.source + " [" + it.post.text + "]";
    for (const auto& sym : it.post.symbols) s += " #" + sym;
    if (it.post.label) s += std::string(" label=") + label_name(*it.post.label);
    return s;
  }
  return std::string("dead ") + reason_name(it.letter.reason) + " @" +
         std::to_string(it.letter.offset.value()) + " " + it.letter.detail;
}

std::vector<std::string> describe_all(const std::vector<Item>& items) {
  std::vector<std::string> out;
  for (const auto& it : items) out.push_back(describe(it));
  return out;
}

std::vector<std::string> posts_of(const std::vector<Item>& items) {
  std::vector<std::string> out;
  for (const auto& it : items)
    if (it.is_post) out.push_back(describe(it));
  return out;
}

// Reasons of the dead letters, in order.
std::vector<std::string> reasons_of(const std::vector<Item>& items) {
  std::vector<std::string> out;
  for (const auto& it : items)
    if (!it.is_post) out.push_back(reason_name(it.letter.reason));
  return out;
}

TEST(SocialFormats, DetectsEachFixtureByItsRecords) {
  EXPECT_EQ(detect_post_file_format(fixture("twitter_v1.jsonl")), PostFileFormat::kTwitterV1);
  EXPECT_EQ(detect_post_file_format(fixture("twitter_v1_array.json")), PostFileFormat::kTwitterV1);
  EXPECT_EQ(detect_post_file_format(fixture("twitter_v2_pages.jsonl")), PostFileFormat::kTwitterV2);
  EXPECT_EQ(detect_post_file_format(fixture("twitter_v2_page.json")), PostFileFormat::kTwitterV2);
  EXPECT_EQ(detect_post_file_format(fixture("twitter_v2_tweets.jsonl")),
            PostFileFormat::kTwitterV2);
  EXPECT_EQ(detect_post_file_format(fixture("tweets.js")), PostFileFormat::kTwitterArchive);
  EXPECT_EQ(detect_post_file_format(fixture("stocktwits_response.json")),
            PostFileFormat::kStockTwits);
  EXPECT_EQ(detect_post_file_format(fixture("stocktwits_messages.jsonl")),
            PostFileFormat::kStockTwits);
  EXPECT_EQ(detect_post_file_format(fixture("reddit.ndjson")), PostFileFormat::kReddit);
  // The bus contract stays JSON lines, whatever the extension; CSV and Parquet by extension.
  const std::string contract = temp_file(
      "contract.json",
      "{\"id\":\"1\",\"created_at\":\"2024-05-01T14:30:05Z\",\"text\":\"$AAPL\",\"user\":\"a\"}\n");
  EXPECT_EQ(detect_post_file_format(contract), PostFileFormat::kJsonLines);
  EXPECT_EQ(detect_post_file_format(temp_file("t.csv", "id,created_at,text\n")),
            PostFileFormat::kCsv);
  // No extension: a CSV header is CSV, a first line that is not JSON too.
  EXPECT_EQ(detect_post_file_format(temp_file("noext", "created_at;text\n")), PostFileFormat::kCsv);
  for (const char* name : {"twitter-v1", "twitter-v2", "tweets-js", "stocktwits", "reddit"}) {
    const auto f = parse_post_file_format(name);
    ASSERT_TRUE(f) << name;
    EXPECT_TRUE(is_social_format(*f));
    EXPECT_STREQ(post_file_format_name(*f), name);
  }
  EXPECT_FALSE(parse_post_file_format("xml"));
}

// The reported defect: raw v1.1 tweets (Twitter's time format, id_str, user objects) read as
// posts, with their full texts, decoded entities and retweets recognised.
TEST(SocialFormats, TwitterV1LinesMapEveryField) {
  const auto items = read_all(fixture("twitter_v1.jsonl"), /*dedupe=*/false);
  EXPECT_EQ(posts_of(items),
            (std::vector<std::string>{
                "post 1790000000000000001 2024-05-01T14:30:05.000Z @alice_trades twitter [$AAPL "
                "earnings beat & guidance raised > expectations]",
                // extended_tweet.full_text over the truncated text
                "post 1790000000000000002 2024-05-01T14:31:10.000Z @bob_invests twitter [Long "
                "thread on $NVDA: data center demand is still accelerating & supply is tight. "
                "Adding on dips.]",
                // full_text; a numeric reference becomes the emoji
                "post 1790000000000000003 2024-05-01T14:32:00.000Z @carol_charts twitter [Not "
                "selling a single share of $TSLA 🚀]",
                // retweets: "RT @author: " + the original's full text
                "post 1790000000000000004 2024-05-01T14:33:00.000Z @dave_daytrader twitter [RT "
                "@alice_trades: $AAPL earnings beat & guidance raised > expectations]",
                "post 1790000000000000005 2024-05-01T14:34:00.000Z @frank_swing twitter [RT "
                "@erin_options: $AMD breaking out of the wedge, calls printing]",
                "post 1790000000000000006 2024-05-01T14:35:00.000Z @grace_value twitter [RT "
                "@erin_options: $AMD breaking out of the wedge, calls printing]",
                "post 1790000000000000007 2024-05-01T14:36:00.000Z @henry_hodl twitter [RT "
                "@carol_charts: Not selling a single share of $TSLA 🚀]",
                "post 1790000000000000001 2024-05-01T14:30:05.000Z @alice_trades twitter [$AAPL "
                "earnings beat & guidance raised > expectations]",
                "post 1790000000000000013 2024-05-01T14:45:30.000Z @ivy_income twitter [I <3 $MSFT "
                "dividends, \"boring\" is good]",
            }));
  // A cut-off line, a time that is not one, a number for text, a delete notice.
  EXPECT_EQ(reasons_of(items), (std::vector<std::string>{"malformed_json", "bad_timestamp",
                                                         "wrong_type", "missing_field"}));
  // Offsets number the records, good and bad alike.
  for (size_t i = 0; i < items.size(); ++i) {
    const int64_t offset =
        items[i].is_post ? items[i].post.position.offset.value() : items[i].letter.offset.value();
    EXPECT_EQ(offset, static_cast<int64_t>(i));
  }
  // The dead letter keeps the record as it was.
  EXPECT_NE(items[8].letter.payload.find("this record was cut off"), std::string::npos);
}

TEST(SocialFormats, TwitterV1DedupeStoresARetweetOnceAndSkipsRepeatedIds) {
  const auto items = read_all(fixture("twitter_v1.jsonl"), /*dedupe=*/true);
  std::vector<std::string> ids;
  for (const auto& it : items)
    if (it.is_post) ids.push_back(it.post.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"1790000000000000001", "1790000000000000002",
                                           "1790000000000000003", "1790000000000000005",
                                           "1790000000000000013"}));
  std::vector<std::string> duplicates;
  for (const auto& it : items)
    if (!it.is_post && it.letter.reason == DeadLetterReason::kDuplicate)
      duplicates.push_back(std::to_string(it.letter.offset.value()) + " " + it.letter.detail);
  EXPECT_EQ(duplicates, (std::vector<std::string>{
                            "3 retweet of a post already seen (1790000000000000001)",
                            "5 retweet of a post already seen (1790000000000000900)",
                            "6 retweet (RT @user: text) of a text already seen",
                            "7 id already seen (a post, or the original of a retweet)",
                        }));
  // A duplicate's payload is the skipped post in the contract's form.
  for (const auto& it : items) {
    if (!it.is_post && it.letter.reason == DeadLetterReason::kDuplicate) {
      EXPECT_EQ(it.letter.payload.rfind("{\"id\":\"17900000000000000", 0), 0u) << it.letter.payload;
    }
  }
}

TEST(SocialFormats, TwitterV1ArrayReadsAsTheLinesDo) {
  const auto lines = read_all(fixture("twitter_v1.jsonl"), true);
  const auto array = read_all(fixture("twitter_v1_array.json"), true);
  EXPECT_EQ(posts_of(array), posts_of(lines));
  EXPECT_EQ(reasons_of(array),
            (std::vector<std::string>{"duplicate", "duplicate", "duplicate", "duplicate",
                                      "bad_timestamp", "malformed_json"}));
}

TEST(SocialFormats, TwitterV2PagesMapAuthorsAndRetweets) {
  const auto items = read_all(fixture("twitter_v2_pages.jsonl"), /*dedupe=*/false);
  EXPECT_EQ(posts_of(items),
            (std::vector<std::string>{
                "post 1790000000000000101 2024-05-01T14:31:00.000Z @kim_growth twitter [$NVDA "
                "guidance was strong & the stock still dipped]",
                // The original from includes.tweets, in full, by its author's username.
                "post 1790000000000000102 2024-05-01T14:32:00.000Z @lee_macro twitter [RT "
                "@jules_quant: $SPY breadth is improving, risk-on into the close. Watching $QQQ "
                "too]",
                // A quote is a post of its own.
                "post 1790000000000000103 2024-05-01T14:33:00.000Z @max_momentum twitter [Quoting "
                "this: $META ad revenue > estimates]",
                "post 1790000000000000105 2024-05-01T14:34:00.000Z @kim_growth twitter [RT "
                "@jules_quant: $SPY breadth is improving, risk-on into the close. Watching $QQQ "
                "too]",
                // note_tweet.text: the whole of a long post.
                "post 1790000000000000106 2024-05-01T14:35:00.000Z @max_momentum twitter [A long "
                "post about $AMZN: AWS margins expanded again this quarter and retail is lean & "
                "profitable.]",
            }));
  EXPECT_EQ(reasons_of(items), (std::vector<std::string>{"missing_field", "malformed_json"}));
  // The bad tweet of a page is shown by itself.
  for (const auto& it : items) {
    if (!it.is_post && it.letter.reason == DeadLetterReason::kMissingField) {
      EXPECT_EQ(it.letter.payload.rfind("{\"id\":\"1790000000000000104\"", 0), 0u)
          << it.letter.payload;
    }
  }
  const auto deduped = read_all(fixture("twitter_v2_pages.jsonl"), /*dedupe=*/true);
  EXPECT_EQ(posts_of(deduped).size(), 4u);
  EXPECT_EQ(reasons_of(deduped),
            (std::vector<std::string>{"missing_field", "duplicate", "malformed_json"}));
}

TEST(SocialFormats, TwitterV2PrettyPageAndPlainTweets) {
  const auto page = read_all(fixture("twitter_v2_page.json"), true);
  const auto lines = read_all(fixture("twitter_v2_pages.jsonl"), true);
  auto first_page = posts_of(lines);
  first_page.resize(3);
  EXPECT_EQ(posts_of(page), first_page);
  EXPECT_EQ(reasons_of(page), (std::vector<std::string>{"missing_field"}));

  const auto tweets = read_all(fixture("twitter_v2_tweets.jsonl"), true);
  EXPECT_EQ(posts_of(tweets),
            (std::vector<std::string>{
                "post 1790000000000000201 2024-05-01T14:40:00.000Z @kim_growth twitter [$GOOGL "
                "cloud backlog keeps growing]",
                // Without includes the author is known only by id.
                "post 1790000000000000202 2024-05-01T14:41:00.000Z @2005 twitter [Cutting my $INTC "
                "position & moving on]",
                "post 1790000000000000203 2024-05-01T14:42:00.000Z @2003 twitter [$NFLX ad tier is "
                "working]",
            }));
}

TEST(SocialFormats, TwitterArchiveTweetsJs) {
  const auto items = read_all(fixture("tweets.js"), true);
  EXPECT_EQ(posts_of(items),
            (std::vector<std::string>{
                "post 1790000000000000301 2024-05-01T15:00:00.000Z @ twitter [Trimmed my $GOOGL "
                "position & rotated into $MSFT]",
                "post 1790000000000000302 2024-05-01T15:05:00.000Z @ twitter [RT @nora_news: $INTC "
                "foundry update looks promising]",
                "post 1790000000000000304 2024-05-01T15:10:00.000Z @ twitter [$NFLX subscriber "
                "growth > expected, adding shares]",
            }));
  EXPECT_EQ(reasons_of(items), (std::vector<std::string>{"bad_timestamp"}));
}

// StockTwits: the symbols the author tagged and the author's own Bullish/Bearish label ride on the
// post.
TEST(SocialFormats, StockTwitsKeepsSymbolsAndTheAuthorsLabel) {
  const auto items = read_all(fixture("stocktwits_response.json"), true);
  EXPECT_EQ(posts_of(items),
            (std::vector<std::string>{
                "post 570000001 2024-05-01T14:30:05.000Z @StockPilot stocktwits [$AAPL buyback is "
                "huge, holding through earnings] #AAPL label=bullish",
                "post 570000002 2024-05-01T14:31:00.000Z @BearCaveTrader stocktwits [Selling into "
                "strength, this looks toppy & extended] #AAPL #MSFT label=bearish",
                "post 570000003 2024-05-01T14:32:00.000Z @ChartNerd stocktwits [Watching $AAPL and "
                "$NVDA into the close] #AAPL #NVDA",
            }));
  EXPECT_EQ(reasons_of(items), (std::vector<std::string>{"bad_timestamp", "duplicate"}));

  const auto lines = read_all(fixture("stocktwits_messages.jsonl"), true);
  EXPECT_EQ(posts_of(lines), posts_of(items));
  EXPECT_EQ(reasons_of(lines), (std::vector<std::string>{"malformed_json", "duplicate"}));
}

TEST(SocialFormats, RedditSubmissionsAndComments) {
  const auto items = read_all(fixture("reddit.ndjson"), true);
  EXPECT_EQ(posts_of(items),
            (std::vector<std::string>{
                "post t3_1cabc1 2024-05-01T14:30:00.000Z @throwaway_trader_1 "
                "reddit/r/wallstreetbets [$TSLA delivery numbers & what they mean\n\nDeliveries "
                "beat the whisper number. I think the stock runs > 200.]",
                "post t1_l1xyz01 2024-05-01T14:35:00.000Z @options_otter reddit/r/wallstreetbets "
                "[Bought calls on $TSLA this morning]",
                "post t3_1cabc2 2024-05-01T14:40:00.000Z @market_mole reddit/r/stocks [$NVDA to "
                "report after the bell]",
            }));
  EXPECT_EQ(reasons_of(items), (std::vector<std::string>{"missing_field", "bad_timestamp",
                                                         "duplicate", "malformed_json"}));
}

// Records that are JSON but not what the format needs: each a dead letter with a reason, the
// rest of the file read on.
TEST(SocialFormats, MalformedRecordsAreDeadLettersNeverTheWholeFile) {
  struct Case {
    PostFileFormat format;
    std::string bad_line;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {PostFileFormat::kTwitterV1,
       R"({"created_at":"Wed May 01 14:30:05 +0000 2024","text":["x"]})", "wrong_type"},
      {PostFileFormat::kTwitterV1,
       R"({"created_at":"Wed May 01 14:30:05 +0000 2024","id_str":"9"})", "missing_field"},
      {PostFileFormat::kTwitterV1, R"([1,2,3])", "malformed_json"},
      {PostFileFormat::kTwitterV2, R"({"data":"nope","meta":{}})", "wrong_type"},
      {PostFileFormat::kTwitterV2, R"({"data":[7],"meta":{}})", "malformed_json"},
      {PostFileFormat::kTwitterV2, R"({"id":"1","text":"x","created_at":"2024-13-45T00:00:00Z"})",
       "bad_timestamp"},
      {PostFileFormat::kTwitterArchive, R"({"tweet":{"created_at":7,"full_text":"x"}})",
       "wrong_type"},
      {PostFileFormat::kStockTwits,
       R"({"id":1,"body":"x","created_at":"2024-05-01T14:30:05Z","symbols":"AAPL"})", "wrong_type"},
      {PostFileFormat::kStockTwits,
       R"({"id":1,"body":"x","created_at":"2024-05-01T14:30:05Z","entities":{"sentiment":{"basic":"Meh"}}})",
       "wrong_type"},
      {PostFileFormat::kStockTwits, R"({"messages":{"id":2}})", "missing_field"},
      {PostFileFormat::kReddit, R"({"id":"a","body":"x","created_utc":{"s":1}})", "wrong_type"},
      {PostFileFormat::kReddit, R"({"id":"a","created_utc":1714573800})", "missing_field"},
      {PostFileFormat::kReddit, R"("just a string")", "malformed_json"},
  };
  const std::string good_v1 =
      R"({"created_at":"Wed May 01 14:30:05 +0000 2024","id_str":"1","text":"ok","user":{"screen_name":"u"}})";
  const std::string good_v2 = R"({"id":"1","text":"ok","created_at":"2024-05-01T14:30:05Z"})";
  const std::string good_st = R"({"id":1,"body":"ok","created_at":"2024-05-01T14:30:05Z"})";
  const std::string good_rd = R"({"id":"z","body":"ok","created_utc":1714573800})";
  int n = 0;
  for (const auto& c : cases) {
    const std::string& good = c.format == PostFileFormat::kTwitterV2    ? good_v2
                              : c.format == PostFileFormat::kStockTwits ? good_st
                              : c.format == PostFileFormat::kReddit     ? good_rd
                                                                        : good_v1;
    const std::string path =
        temp_file("bad" + std::to_string(n++) + ".jsonl", c.bad_line + "\n" + good + "\n");
    const auto items = read_all(path, true, c.format);
    ASSERT_EQ(items.size(), 2u) << c.bad_line;
    EXPECT_FALSE(items[0].is_post) << c.bad_line;
    EXPECT_EQ(reason_name(items[0].letter.reason), c.reason)
        << c.bad_line << ": " << items[0].letter.detail;
    EXPECT_TRUE(items[1].is_post) << c.bad_line << ": " << describe(items[1]);
  }
}

// Stopped after every single record and resumed from the saved position (a v2 page mid-way
// included), with dedupe on: the concatenation equals one uninterrupted replay, duplicates and
// all, because the resumed replay re-reads what came before to know what was seen.
TEST(SocialFormats, ResumeAnywhereSkipsWhatAnUninterruptedReplaySkips) {
  for (const char* name :
       {"twitter_v1.jsonl", "twitter_v1_array.json", "twitter_v2_pages.jsonl",
        "twitter_v2_page.json", "tweets.js", "stocktwits_response.json", "reddit.ndjson"}) {
    SCOPED_TRACE(name);
    const std::string path = fixture(name);
    const auto expected = describe_all(read_all(path, true));
    std::vector<std::string> got;
    ReplayPosition pos;
    for (int session = 0; session < 100; ++session) {
      SimulatedClock clock(1'000'000);
      PostReplay r({.speed = 0, .dedupe = true, .dedupe_max_entries = 4096}, clock);
      const auto err = r.open(path, pos);
      ASSERT_FALSE(err) << *err;
      const auto part = describe_all(drain(r, 1));
      got.insert(got.end(), part.begin(), part.end());
      pos = r.position();
      if (part.empty()) break;
    }
    EXPECT_EQ(got, expected);
    EXPECT_GT(pos.duplicates + pos.dead_letters, 0);
  }
}

TEST(SocialFormats, ProgressCountsDuplicates) {
  SimulatedClock clock(1'000'000);
  PostReplay r({.speed = 0, .dedupe = true, .dedupe_max_entries = 4096}, clock);
  ASSERT_FALSE(r.open(fixture("twitter_v1.jsonl")));
  drain(r);
  EXPECT_EQ(r.progress().duplicates, 4);
  EXPECT_EQ(r.progress().dead_letters, 4);
  EXPECT_EQ(r.progress().posts, 5);
  EXPECT_NE(format_replay_progress(r.progress()).find("| 4 bad | 4 duplicates"), std::string::npos)
      << format_replay_progress(r.progress());
}

// A contract file written by `produce` from StockTwits replays to the same posts, symbols and
// label included.
TEST(SocialFormats, ContractLinesKeepSymbolsAndLabel) {
  const std::string path = temp_file(
      "contract-st.jsonl",
      R"({"id":"7","created_at":"2024-05-01T14:30:05.000Z","text":"toppy","user":"u","source":"stocktwits","symbols":["AAPL","MSFT"],"label":"bearish"})"
      "\n"
      R"({"id":"8","created_at":"2024-05-01T14:30:06.000Z","text":"x","label":"sideways"})"
      "\n");
  const auto items = read_all(path, true);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(describe(items[0]),
            "post 7 2024-05-01T14:30:05.000Z @u stocktwits [toppy] #AAPL #MSFT label=bearish");
  EXPECT_EQ(reasons_of(items), (std::vector<std::string>{"wrong_type"}));
}

// The parser on its own: a v2 page in any key order (includes before or after data).
TEST(SocialPostParser, V2IncludesMayComeFirst) {
  SocialPostParser parser(PostFileFormat::kTwitterV2);
  std::vector<SocialPost> posts;
  parser.parse(
      R"({"includes":{"users":[{"id":"9","username":"zed"}]},"data":[{"id":"1","text":"a &amp; b","created_at":"2024-05-01T14:30:05Z","author_id":"9"}]})",
      posts);
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_FALSE(posts[0].problem);
  EXPECT_EQ(posts[0].user, "zed");
  EXPECT_EQ(posts[0].text, "a & b");
  EXPECT_EQ(posts[0].time_text, "2024-05-01T14:30:05Z");
  EXPECT_EQ(iso("2024-05-01T14:30:05Z"), parse_post_timestamp(posts[0].time_text).value());
}

}  // namespace
}  // namespace stockpulse
