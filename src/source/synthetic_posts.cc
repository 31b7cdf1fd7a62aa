#include "source/synthetic_posts.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <unordered_set>

namespace stockpulse {

namespace {

// ---------------------------------------------------------------------------------------------
// Vocabulary. "+" pools are bullish, "-" bearish, "~" neutral. Kept in one place so the mood bias
// is easy to audit: a bullish post draws only from "+" pools (and negated "-" words).

enum class Pool : uint8_t {
  kBullAdj,
  kBearAdj,
  kBullVerb,
  kBearVerb,
  kBullNoun,
  kBearNoun,
  kBullEmoji,
  kBearEmoji,
  kNeutralEmoji,
  kBullSlang,
  kBearSlang,
  kBullCloser,
  kBearCloser,
  kNeutralCloser,
  kBullPosition,
  kBearPosition,
  kWhen,
  kCatalyst,
  kHashtag,
  kCount
};

const std::vector<std::vector<std::string_view>>& pools() {
  static const std::vector<std::vector<std::string_view>> kPools = {
      // kBullAdj
      {"bullish", "strong", "undervalued", "unstoppable", "green", "explosive", "solid",
       "cheap here", "primed", "ripping", "on fire", "a steal", "looking great", "insane",
       "a monster", "so strong", "breaking out", "healthy", "the best setup I've seen"},
      // kBearAdj
      {"bearish", "overvalued", "weak", "dead", "toxic", "overbought", "a bubble", "garbage",
       "bleeding", "cooked", "broken", "ugly", "finished", "a trap", "terrible", "a disaster",
       "rolling over", "so weak", "awful"},
      // kBullVerb
      {"rip", "moon", "squeeze", "break out", "fly", "run", "rally", "pump", "soar", "explode",
       "gap up", "melt up"},
      // kBearVerb
      {"dump", "tank", "crash", "collapse", "bleed out", "fade", "drop", "sink", "roll over",
       "nosedive", "gap down", "drill"},
      // kBullNoun
      {"breakout", "rally", "short squeeze", "bull flag", "golden cross", "beat and raise",
       "upgrade", "gap up", "higher high", "buying opportunity", "cup and handle", "new ATH"},
      // kBearNoun
      {"breakdown", "sell-off", "death cross", "rug pull", "earnings miss", "downgrade", "gap down",
       "lower low", "dead cat bounce", "bull trap", "head and shoulders", "crash"},
      // kBullEmoji
      {"\xF0\x9F\x9A\x80", "\xF0\x9F\x93\x88", "\xF0\x9F\x92\x8E\xF0\x9F\x99\x8C",
       "\xF0\x9F\x94\xA5", "\xF0\x9F\x90\x82", "\xF0\x9F\x92\xB0", "\xF0\x9F\xA4\x91",
       "\xE2\x9C\x85", "\xF0\x9F\x92\xAA", "\xF0\x9F\x9F\xA2", "\xF0\x9F\x8C\x95",
       "\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80"},
      // kBearEmoji
      {"\xF0\x9F\x93\x89", "\xF0\x9F\x90\xBB", "\xF0\x9F\x92\x80", "\xF0\x9F\xA9\xB8",
       "\xF0\x9F\x98\xAD", "\xF0\x9F\x94\xBB", "\xE2\x9D\x8C", "\xF0\x9F\xA4\xA1",
       "\xE2\x9A\xA0\xEF\xB8\x8F", "\xF0\x9F\x94\xB4", "\xF0\x9F\x98\xAC",
       "\xF0\x9F\x93\x89\xF0\x9F\x93\x89"},
      // kNeutralEmoji
      {"\xF0\x9F\x91\x80", "\xF0\x9F\xA4\x94", "\xF0\x9F\x93\x8A", "\xE2\x8F\xB0",
       "\xF0\x9F\xA7\x90", "\xE2\x98\x95"},
      // kBullSlang
      {"LFG", "to the moon", "diamond hands", "tendies incoming", "bears are toast", "send it",
       "free money", "buy the dip", "HODL", "easy money", "printing", "we're so back"},
      // kBearSlang
      {"rip bagholders", "bagholders in shambles", "it's over", "GUH", "pain", "bulls are toast",
       "sell the rip", "rug pulled", "dead money", "drill team six", "bag holders everywhere",
       "catching falling knives"},
      // kBullCloser
      {"Not financial advice.", "LFG!", "See you at ATH.", "Thank me later.", "Easy.",
       "Bulls win again.", "Loading more.", "Don't say I didn't tell you.", "Strap in."},
      // kBearCloser
      {"Stay safe out there.", "You've been warned.", "Puts printing.", "Told you so.",
       "Cash is king.", "Not touching it.", "Protect your capital.", "Good luck longs."},
      // kNeutralCloser
      {"Thoughts?", "Anyone?", "We'll see.", "Watching closely.", "Curious what you all think.",
       "No position.", "Just sharing.", "Data below."},
      // kBullPosition
      {"calls", "leaps", "shares", "call spreads", "more shares", "weeklies"},
      // kBearPosition
      {"puts", "put spreads", "shorts", "more puts", "0DTE puts"},
      // kWhen
      {"next week", "by Friday", "this quarter", "by EOY", "after earnings", "tomorrow",
       "by the close", "this month", "into the print", "before the Fed"},
      // kCatalyst
      {"earnings", "the Fed meeting", "CPI", "the product event", "guidance", "the jobs report",
       "the investor day", "options expiry", "the split", "the analyst day"},
      // kHashtag
      {"#stocks", "#trading", "#investing", "#wallstreetbets", "#daytrading", "#options",
       "#stockmarket"},
  };
  return kPools;
}

// A template names its tickers {A} {B} {C} (cashtags) or {a} (bare symbol of A), draws words
// with {pool}, and carries the tone it expresses toward each of its tickers.
struct TemplateSpec {
  uint8_t tickers;
  std::array<int8_t, 3> tones;
  const char* text;
};

// clang-format off
constexpr TemplateSpec kTemplates[] = {
    // One ticker, bullish.
    {1, {1, 0, 0}, "{A} is {+adj} here, loading {+pos} {when} {+emo}"},
    {1, {1, 0, 0}, "Just bought more {A}. {+slang} {+emo}"},
    {1, {1, 0, 0}, "{A} about to {+verb} {when}. {+close}"},
    {1, {1, 0, 0}, "Not selling a single share of {A}. {+slang}"},
    {1, {1, 0, 0}, "{A} {+noun} confirmed {+emo} target {price} {when}"},
    {1, {1, 0, 0}, "Never betting against {A} again. This thing is {+adj}"},
    {1, {1, 0, 0}, "Don't sleep on {A}, {catalyst} is going to be huge {+emo}"},
    {1, {1, 0, 0}, "{A} up {pct} and still {+adj}. {+close}"},
    {1, {1, 0, 0}, "Shorts are trapped in {A}, {+noun} incoming {+emo}"},
    {1, {1, 0, 0}, "Love this {A} setup, the chart is {+adj}, great fundamentals, {+slang}"},
    {1, {1, 0, 0}, "{A} {+pos} printing {+emo} {+emo}"},
    {1, {1, 0, 0}, "Added to my {A} position on the dip. Easy {+noun} {when}"},
    {1, {1, 0, 0}, "Whoever sold {A} at {price} is crying now {+emo}"},
    {1, {1, 0, 0}, "{A} isn't going down, it's {+adj}. {+slang}"},
    {1, {1, 0, 0}, "Bought {a} at the open, already up {pct}. Great call {+emo}"},
    {1, {1, 0, 0}, "{A} beat on revenue and raised guidance, {+adj} {+emo}"},
    {1, {1, 0, 0}, "Wall Street is sleeping on {A}. Upgrade coming, {+verb} {when}"},
    {1, {1, 0, 0}, "My {A} {+pos} are up {pct} today, I love this stock"},
    {1, {1, 0, 0}, "{A} holding support perfectly, no way this breaks down. {+close}"},
    {1, {1, 0, 0}, "Huge volume on {A}, smart money is buying {+emo}"},
    {1, {1, 0, 0}, "If you're not long {A} you're not paying attention. {+slang}"},
    {1, {1, 0, 0}, "{A} to {price} {when}, mark my words {+emo}"},
    {1, {1, 0, 0}, "Never been more confident in {A}. {+close}"},
    {1, {1, 0, 0}, "{A} {+noun} on the daily, {+pos} loaded {+emo}"},
    {1, {1, 0, 0}, "Great quarter from {A}, the bears were wrong again {+emo}"},
    // One ticker, bearish.
    {1, {-1, 0, 0}, "{A} is {-adj} here, loading {-pos} {when} {-emo}"},
    {1, {-1, 0, 0}, "Sold all my {A}. {-slang} {-emo}"},
    {1, {-1, 0, 0}, "{A} about to {-verb} {when}. {-close}"},
    {1, {-1, 0, 0}, "Not buying {A} at these levels, it's {-adj}"},
    {1, {-1, 0, 0}, "{A} {-noun} confirmed {-emo} next stop {price}"},
    {1, {-1, 0, 0}, "{A} is not going back up. {-slang}"},
    {1, {-1, 0, 0}, "Careful with {A} into {catalyst}, this could {-verb} hard {-emo}"},
    {1, {-1, 0, 0}, "{A} down {pct} and still {-adj}. {-close}"},
    {1, {-1, 0, 0}, "Longs are trapped in {A}, {-noun} incoming {-emo}"},
    {1, {-1, 0, 0}, "Hate this {A} chart, it's {-adj} and losing support, {-slang}"},
    {1, {-1, 0, 0}, "{A} {-pos} printing {-emo} {-emo}"},
    {1, {-1, 0, 0}, "Trimmed my {A} position, this {-noun} is not done {-emo}"},
    {1, {-1, 0, 0}, "Whoever bought {A} at {price} is a bagholder now {-emo}"},
    {1, {-1, 0, 0}, "{A} isn't cheap, it's {-adj}. {-close}"},
    {1, {-1, 0, 0}, "Shorted {a} at the open, already down {pct} {-emo}"},
    {1, {-1, 0, 0}, "{A} missed on revenue and cut guidance, {-adj} {-emo}"},
    {1, {-1, 0, 0}, "Insiders dumping {A} again. Downgrade coming, it will {-verb} {when}"},
    {1, {-1, 0, 0}, "Lost {pct} on {A} today, worst stock I ever owned"},
    {1, {-1, 0, 0}, "{A} broke support, no bounce in sight. {-close}"},
    {1, {-1, 0, 0}, "Heavy selling on {A}, smart money is out {-emo}"},
    {1, {-1, 0, 0}, "Don't catch the knife on {A}. {-slang}"},
    {1, {-1, 0, 0}, "{A} to {price} {when}, this is a disaster {-emo}"},
    {1, {-1, 0, 0}, "Never been less confident in {A}. {-close}"},
    {1, {-1, 0, 0}, "{A} {-noun} on the daily, {-pos} loaded {-emo}"},
    {1, {-1, 0, 0}, "Terrible quarter from {A}, the bulls were wrong {-emo}"},
    // One ticker, neutral.
    {1, {0, 0, 0}, "What's everyone's take on {A} into {catalyst}? {~emo}"},
    {1, {0, 0, 0}, "{A} trading sideways at {price}. {~close}"},
    {1, {0, 0, 0}, "Watching {A} {when}, no position yet {~emo}"},
    {1, {0, 0, 0}, "{A} volume is average today. {~close}"},
    {1, {0, 0, 0}, "Anyone holding {A} through {catalyst}? {~close}"},
    {1, {0, 0, 0}, "{A} moved {pct} this week. {~close}"},
    {1, {0, 0, 0}, "Is {A} a buy or a sell here? {~emo}"},
    {1, {0, 0, 0}, "{a} closes at {price}, {catalyst} {when} {~emo}"},
    {1, {0, 0, 0}, "Added {A} to my watchlist. {~close}"},
    {1, {0, 0, 0}, "Reading the {A} 10-Q tonight {~emo}"},
    {1, {0, 0, 0}, "{A} options chain for {when} is interesting {~emo}"},
    {1, {0, 0, 0}, "Where do you see {A} {when}? {~close}"},
    // Two tickers, both bullish.
    {2, {1, 1, 0}, "{A} and {B} both {+adj} today {+emo} {+slang}"},
    {2, {1, 1, 0}, "Loading {A} and {B} {+pos} {when} {+emo}"},
    {2, {1, 1, 0}, "{A} {+noun}, {B} {+noun}. What a day {+emo}"},
    {2, {1, 1, 0}, "Long {A}, long {B}, never selling. {+close}"},
    {2, {1, 1, 0}, "{A} and {B} are going to {+verb} {when}"},
    {2, {1, 1, 0}, "My two favorites {A} {B} ripping {+emo}"},
    {2, {1, 1, 0}, "Sector is hot: {A} up {pct}, {B} following {+emo}"},
    // Two tickers, both bearish.
    {2, {-1, -1, 0}, "{A} and {B} both {-adj} today {-emo} {-slang}"},
    {2, {-1, -1, 0}, "Loading {-pos} on {A} and {B} {when} {-emo}"},
    {2, {-1, -1, 0}, "{A} {-noun}, {B} {-noun}. Ugly day {-emo}"},
    {2, {-1, -1, 0}, "Short {A}, short {B}. {-close}"},
    {2, {-1, -1, 0}, "{A} and {B} are going to {-verb} {when}"},
    {2, {-1, -1, 0}, "Sector is dead: {A} down {pct}, {B} next {-emo}"},
    // Two tickers, A bullish and B bearish.
    {2, {1, -1, 0}, "Long {A}, short {B} {+emo}"},
    {2, {1, -1, 0}, "Rotating out of {B} into {A}. {B} is {-adj}, {A} is {+adj}"},
    {2, {1, -1, 0}, "{A} {+pos} and {B} {-pos}, best pair trade of the year"},
    {2, {1, -1, 0}, "{A} is {+adj} while {B} is {-adj} {-emo}"},
    {2, {1, -1, 0}, "Sold {B} and bought {A}, {B} will {-verb} and {A} will {+verb}"},
    {2, {1, -1, 0}, "{A} crushing it, {B} getting crushed {+emo}"},
    {2, {1, -1, 0}, "Buy {A}, dump {B}. {+close}"},
    // Two tickers, neutral.
    {2, {0, 0, 0}, "{A} or {B} into {catalyst}? {~emo}"},
    {2, {0, 0, 0}, "Comparing {A} vs {B} margins this weekend. {~close}"},
    {2, {0, 0, 0}, "{A} and {B} both flat today {~emo}"},
    // Three tickers.
    {3, {1, 1, 1}, "{A} {B} {C} all {+adj} {+emo} {+slang}"},
    {3, {1, 1, 1}, "Portfolio: {A}, {B}, {C}. All green, all {+adj} {+emo}"},
    {3, {-1, -1, -1}, "{A} {B} {C} all {-adj} {-emo} {-slang}"},
    {3, {-1, -1, -1}, "Bloodbath: {A}, {B} and {C} all red {-emo}"},
    {3, {0, 0, 0}, "Watchlist for {when}: {A} {B} {C} {~emo}"},
    {3, {0, 0, 0}, "{A}, {B}, {C}: which one reports first? {~close}"},
};
// clang-format on

constexpr size_t kTemplateCount = std::size(kTemplates);

enum class SlotKind : uint8_t {
  kLiteral,
  kTickerA,
  kTickerB,
  kTickerC,
  kBareA,
  kPool,
  kPct,
  kPrice
};

struct Segment {
  SlotKind kind;
  Pool pool;
  std::string_view literal;
};

struct SlotName {
  std::string_view name;
  SlotKind kind;
  Pool pool;
};

constexpr SlotName kSlots[] = {
    {"A", SlotKind::kTickerA, Pool::kCount},
    {"B", SlotKind::kTickerB, Pool::kCount},
    {"C", SlotKind::kTickerC, Pool::kCount},
    {"a", SlotKind::kBareA, Pool::kCount},
    {"pct", SlotKind::kPct, Pool::kCount},
    {"price", SlotKind::kPrice, Pool::kCount},
    {"+adj", SlotKind::kPool, Pool::kBullAdj},
    {"-adj", SlotKind::kPool, Pool::kBearAdj},
    {"+verb", SlotKind::kPool, Pool::kBullVerb},
    {"-verb", SlotKind::kPool, Pool::kBearVerb},
    {"+noun", SlotKind::kPool, Pool::kBullNoun},
    {"-noun", SlotKind::kPool, Pool::kBearNoun},
    {"+emo", SlotKind::kPool, Pool::kBullEmoji},
    {"-emo", SlotKind::kPool, Pool::kBearEmoji},
    {"~emo", SlotKind::kPool, Pool::kNeutralEmoji},
    {"+slang", SlotKind::kPool, Pool::kBullSlang},
    {"-slang", SlotKind::kPool, Pool::kBearSlang},
    {"+close", SlotKind::kPool, Pool::kBullCloser},
    {"-close", SlotKind::kPool, Pool::kBearCloser},
    {"~close", SlotKind::kPool, Pool::kNeutralCloser},
    {"+pos", SlotKind::kPool, Pool::kBullPosition},
    {"-pos", SlotKind::kPool, Pool::kBearPosition},
    {"when", SlotKind::kPool, Pool::kWhen},
    {"catalyst", SlotKind::kPool, Pool::kCatalyst},
};

std::vector<Segment> compile(std::string_view text) {
  std::vector<Segment> out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find('{', i);
    if (open == std::string_view::npos) {
      out.push_back({SlotKind::kLiteral, Pool::kCount, text.substr(i)});
      break;
    }
    if (open > i) out.push_back({SlotKind::kLiteral, Pool::kCount, text.substr(i, open - i)});
    const size_t close = text.find('}', open);
    if (close == std::string_view::npos) throw std::logic_error("unclosed slot in template");
    const std::string_view name = text.substr(open + 1, close - open - 1);
    const auto* slot = std::find_if(std::begin(kSlots), std::end(kSlots),
                                    [&](const SlotName& s) { return s.name == name; });
    if (slot == std::end(kSlots)) {
      throw std::logic_error("unknown slot {" + std::string(name) + "} in template");
    }
    out.push_back({slot->kind, slot->pool, {}});
    i = close + 1;
  }
  return out;
}

// Bucket of templates for a ticker count and tones, e.g. (2, +1, -1).
size_t bucket_key(size_t tickers, int t0, int t1, int t2) {
  return tickers * 27 + static_cast<size_t>((t0 + 1) * 9 + (t1 + 1) * 3 + (t2 + 1));
}

constexpr const char* kUserPrefixes[] = {
    "theta", "bull",   "bear",  "diamond", "moon",   "value", "chart", "swing", "degen",
    "quant", "option", "alpha", "tendie",  "candle", "macro", "yolo",  "dip",   "trend",
    "gamma", "short",  "long",  "wolf",    "rocket", "ape",   "fed",   "penny"};
constexpr const char* kUserSuffixes[] = {
    "gang",   "trader", "hands",  "king",   "queen",   "investor", "guy",   "lord", "capital",
    "seeker", "master", "hunter", "wizard", "watcher", "bro",      "daddy", "labs", "fund"};

// Typical price of a symbol, only to make "{price}" plausible.
double price_level(std::string_view symbol) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : symbol) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return 20.0 + static_cast<double>(h % 800);
}

// Moods: a mean-reverting random walk per second of event time. With these constants a mood
// wanders by about 0.35 over 5 minutes and slowly returns toward neutral over an hour or so;
// a news shock (about once per 20 minutes per ticker) jumps it by 0.4..0.9, which is what makes
// sentiment spikes visible on the dashboard.
constexpr double kMoodReversionPerSecond = 1.0 / 3600.0;
constexpr double kMoodVolatility = 0.02;
constexpr double kShockProbabilityPerSecond = 1.0 / 1200.0;
constexpr double kNeutralShare = 0.2;

// Bursts: mean lengths of a burst and of the calm between two, in event time.
constexpr double kBurstMeanMs = 5 * 60 * 1000.0;
constexpr double kCalmMeanMs = 2 * 3600 * 1000.0;
constexpr double kBurstTickerShare = 0.7;
// Retweets draw from this many recent posts; longer texts are not retweeted again.
constexpr size_t kRetweetPool = 512;
constexpr size_t kMaxRetweetText = 1000;
// Moods are advanced lazily past this many symbols or below this rate (see the header).
constexpr size_t kEagerMoodSymbols = 64;
constexpr double kEagerMoodRate = 0.5;

uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace

std::vector<std::string> synthetic_cashtags(size_t count, uint64_t seed,
                                            const std::vector<std::string>& taken) {
  std::unordered_set<std::string> seen(taken.begin(), taken.end());
  std::vector<std::string> out;
  out.reserve(count);
  // Names from a hash of (seed, n): 3 to 5 letters (26^3 + 26^4 + 26^5, about 12.3 million);
  // a repeat or a taken name is skipped.
  for (uint64_t n = 0; out.size() < count; ++n) {
    uint64_t h = mix(seed * 0x9E3779B97F4A7C15ULL + n + 1);
    const size_t len = 3 + static_cast<size_t>(h % 3);
    h /= 3;
    std::string name;
    for (size_t i = 0; i < len; ++i) {
      name += static_cast<char>('A' + h % 26);
      h /= 26;
    }
    if (seen.insert(name).second) out.push_back(std::move(name));
  }
  return out;
}

std::vector<std::string> default_synthetic_symbols() {
  return {"AAPL",  "NVDA", "TSLA", "MSFT", "AMZN", "META",
          "GOOGL", "AMD",  "SPY",  "NFLX", "INTC", "BRK.B"};
}

struct SyntheticPostGenerator::Tables {
  std::vector<std::vector<Segment>> templates;
  std::vector<std::vector<size_t>> buckets;  // bucket_key -> template indexes
  std::vector<std::string> users;
  std::vector<double> price_levels;
};

SyntheticPostGenerator::SyntheticPostGenerator(SyntheticPostOptions options)
    : options_(std::move(options)), rng_(options_.seed), tables_(std::make_unique<Tables>()) {
  if (options_.symbols.empty()) throw std::invalid_argument("synthetic posts need symbols");
  if (!(options_.posts_per_second > 0)) {
    throw std::invalid_argument("posts_per_second must be positive");
  }
  if (!(options_.burst_factor >= 1)) throw std::invalid_argument("burst_factor must be >= 1");
  if (!(options_.retweet_share >= 0 && options_.retweet_share <= 1) ||
      !(options_.multiline_share >= 0 && options_.multiline_share <= 1)) {
    throw std::invalid_argument("retweet_share and multiline_share must be in [0, 1]");
  }
  if (!(options_.zipf_exponent >= 0)) throw std::invalid_argument("zipf_exponent must be >= 0");
  Tables& t = *tables_;
  t.buckets.resize(4 * 27);
  for (size_t i = 0; i < kTemplateCount; ++i) {
    const TemplateSpec& spec = kTemplates[i];
    t.templates.push_back(compile(spec.text));
    t.buckets[bucket_key(spec.tickers, spec.tones[0], spec.tones[1], spec.tones[2])].push_back(i);
  }
  // A fixed crowd of users; a few of them post a lot (see next()).
  DeterministicRng user_rng(options_.seed ^ 0x5eedu);
  for (int i = 0; i < 1500; ++i) {
    std::string name = kUserPrefixes[user_rng.below(std::size(kUserPrefixes))];
    if (user_rng.chance(0.5)) name += '_';
    name += kUserSuffixes[user_rng.below(std::size(kUserSuffixes))];
    if (user_rng.chance(0.7)) name += std::to_string(user_rng.below(1000));
    t.users.push_back(std::move(name));
  }
  for (const std::string& s : options_.symbols) t.price_levels.push_back(price_level(s));

  for (size_t i = 0; i < options_.symbols.size(); ++i) moods_.push_back(rng_.uniform(-0.6, 0.6));
  // Zipf-like popularity in the order given: the first tickers are talked about most.
  double total = 0;
  for (size_t i = 0; i < options_.symbols.size(); ++i) {
    total += 1.0 / std::pow(static_cast<double>(i + 1), options_.zipf_exponent);
    popularity_cdf_.push_back(total);
  }
  for (double& c : popularity_cdf_) c /= total;
  id_prefix_ = "syn-" + std::to_string(options_.seed) + "-";
  lazy_moods_ =
      options_.symbols.size() > kEagerMoodSymbols || options_.posts_per_second < kEagerMoodRate;
  if (lazy_moods_) mood_time_ms_.assign(options_.symbols.size(), 0.0);
  if (options_.burst_factor > 1) phase_end_ms_ = rng_.exponential(kCalmMeanMs);
}

SyntheticPostGenerator::~SyntheticPostGenerator() = default;
SyntheticPostGenerator::SyntheticPostGenerator(SyntheticPostGenerator&&) noexcept = default;
SyntheticPostGenerator& SyntheticPostGenerator::operator=(SyntheticPostGenerator&&) noexcept =
    default;

std::optional<double> SyntheticPostGenerator::mood(std::string_view symbol) const {
  for (size_t i = 0; i < options_.symbols.size(); ++i) {
    if (options_.symbols[i] == symbol) return moods_[i];
  }
  return std::nullopt;
}

void SyntheticPostGenerator::step_mood(double& m) {
  m += -kMoodReversionPerSecond * m + kMoodVolatility * rng_.normal();
  if (rng_.chance(kShockProbabilityPerSecond)) {
    const double jump = rng_.uniform(0.4, 0.9);
    m += (rng_.chance(0.5) ? jump : -jump);
  }
  // Reflect at the bounds so a mood does not stick to +-1.
  if (m > 1) m = 2 - m;
  if (m < -1) m = -2 - m;
  m = std::clamp(m, -1.0, 1.0);
}

void SyntheticPostGenerator::advance_moods(double until_ms) {
  if (lazy_moods_) return;
  while (mood_clock_ms_ + 1000.0 <= until_ms) {
    mood_clock_ms_ += 1000.0;
    for (double& m : moods_) step_mood(m);
  }
}

void SyntheticPostGenerator::catch_up_mood(size_t ticker) {
  if (!lazy_moods_) return;
  const double seconds = std::floor((clock_ms_ - mood_time_ms_[ticker]) / 1000.0);
  if (seconds < 1) return;
  mood_time_ms_[ticker] += seconds * 1000.0;
  double& m = moods_[ticker];
  if (seconds <= 60) {
    for (int i = 0; i < static_cast<int>(seconds); ++i) step_mood(m);
    return;
  }
  // The same process over a long gap: mean reversion with noise (its exact Gaussian solution)
  // between shocks that arrive as a Poisson stream; after a few dozen shocks the start is
  // forgotten anyway.
  auto drift = [&](double dt) {
    const double decay = std::exp(-kMoodReversionPerSecond * dt);
    const double sd =
        kMoodVolatility * std::sqrt((1 - decay * decay) / (2 * kMoodReversionPerSecond));
    m = m * decay + sd * rng_.normal();
    if (m > 1) m = 2 - m;
    if (m < -1) m = -2 - m;
    m = std::clamp(m, -1.0, 1.0);
  };
  double left = seconds;
  for (int shocks = 0; shocks < 32; ++shocks) {
    const double next = rng_.exponential(1.0 / kShockProbabilityPerSecond);
    if (next >= left) break;
    drift(next);
    left -= next;
    const double jump = rng_.uniform(0.4, 0.9);
    m += (rng_.chance(0.5) ? jump : -jump);
  }
  drift(left);
}

void SyntheticPostGenerator::advance_clock() {
  if (options_.burst_factor <= 1) {
    clock_ms_ += rng_.exponential(1000.0 / options_.posts_per_second);
    return;
  }
  // Two rates, switched at exponential times; both memoryless, so a gap that crosses a switch
  // is drawn again from the switch at the new rate.
  for (;;) {
    const double rate = options_.posts_per_second * (in_burst_ ? options_.burst_factor : 1.0);
    const double gap = rng_.exponential(1000.0 / rate);
    if (clock_ms_ + gap < phase_end_ms_) {
      clock_ms_ += gap;
      return;
    }
    clock_ms_ = phase_end_ms_;
    in_burst_ = !in_burst_;
    phase_end_ms_ = clock_ms_ + rng_.exponential(in_burst_ ? kBurstMeanMs : kCalmMeanMs);
    if (in_burst_) burst_ticker_ = pick_ticker();
  }
}

size_t SyntheticPostGenerator::pick_ticker() {
  const double u = rng_.uniform();
  const auto it = std::lower_bound(popularity_cdf_.begin(), popularity_cdf_.end(), u);
  return std::min(static_cast<size_t>(it - popularity_cdf_.begin()), popularity_cdf_.size() - 1);
}

int SyntheticPostGenerator::tone_for(size_t ticker) {
  const double u = rng_.uniform();
  if (u < kNeutralShare) return 0;
  // Mood +1 makes about 95% of the opinionated posts bullish, mood -1 about 5%.
  const double bullish = 0.5 + 0.45 * moods_[ticker];
  return (u - kNeutralShare) / (1 - kNeutralShare) < bullish ? 1 : -1;
}

void SyntheticPostGenerator::render(size_t template_index, std::string& text) {
  const auto& all_pools = pools();
  for (const Segment& seg : tables_->templates[template_index]) {
    switch (seg.kind) {
      case SlotKind::kLiteral:
        text += seg.literal;
        break;
      case SlotKind::kTickerA:
      case SlotKind::kTickerB:
      case SlotKind::kTickerC: {
        const size_t k = static_cast<size_t>(seg.kind) - static_cast<size_t>(SlotKind::kTickerA);
        text += '$';
        text += options_.symbols[last_tickers_[k]];
        break;
      }
      case SlotKind::kBareA:
        text += options_.symbols[last_tickers_[0]];
        break;
      case SlotKind::kPool: {
        const auto& pool = all_pools[static_cast<size_t>(seg.pool)];
        text += pool[rng_.below(static_cast<uint32_t>(pool.size()))];
        break;
      }
      case SlotKind::kPct: {
        char buf[16];
        const int n = std::snprintf(buf, sizeof buf, "%.1f%%", rng_.uniform(0.3, 18.0));
        text.append(buf, static_cast<size_t>(std::max(n, 0)));
        break;
      }
      case SlotKind::kPrice: {
        const double level = tables_->price_levels[last_tickers_[0]];
        text += '$';
        text += std::to_string(static_cast<int>(level * rng_.uniform(0.8, 1.25)));
        break;
      }
    }
  }
}

void SyntheticPostGenerator::next(Post& out) {
  advance_clock();
  advance_moods(clock_ms_);

  last_is_retweet_ = false;
  if (options_.retweet_share > 0 && !originals_.empty() && rng_.chance(options_.retweet_share)) {
    retweet(out);
  } else {
    compose(out);
  }

  out.id.assign(id_prefix_);
  out.id += std::to_string(count_);
  out.created_at = EventTime(options_.start.value() + static_cast<int64_t>(clock_ms_));
  // A heavy-tailed choice: low indexes (the regulars) post much more than the rest.
  const double r = rng_.uniform();
  out.user =
      tables_->users[static_cast<size_t>(r * r * r * static_cast<double>(tables_->users.size()))];
  out.source = "synthetic";
  out.position = SourcePosition{};
  ++count_;

  if (options_.retweet_share > 0) {
    Original o{out.text, out.user, last_tickers_, last_tones_};
    if (originals_.size() < kRetweetPool) {
      originals_.push_back(std::move(o));
    } else {
      originals_[originals_next_] = std::move(o);
    }
    originals_next_ = (originals_next_ + 1) % kRetweetPool;
  }
}

void SyntheticPostGenerator::retweet(Post& out) {
  // Recent posts are retweeted most: age drawn with a cubed uniform, newest first.
  const size_t n = originals_.size();
  const double u = rng_.uniform();
  const size_t age = static_cast<size_t>(u * u * u * static_cast<double>(n));
  const Original& o = originals_[(originals_next_ + 2 * n - 1 - age) % n];
  if (o.text.size() > kMaxRetweetText) {
    compose(out);
    return;
  }
  out.text.assign("RT @");
  out.text += o.user;
  out.text += ": ";
  out.text += o.text;
  last_tickers_ = o.tickers;
  last_tones_ = o.tones;
  last_is_retweet_ = true;
}

void SyntheticPostGenerator::compose(Post& out) {
  // How many tickers: mostly one, sometimes two or three (never more than exist).
  const double u = rng_.uniform();
  size_t n = u < 0.70 ? 1 : (u < 0.92 ? 2 : 3);
  n = std::min(n, options_.symbols.size());
  last_tickers_.clear();
  // In a burst most posts are about the news.
  if (in_burst_ && rng_.chance(kBurstTickerShare)) last_tickers_.push_back(burst_ticker_);
  while (last_tickers_.size() < n) {
    const size_t t = pick_ticker();
    if (std::find(last_tickers_.begin(), last_tickers_.end(), t) == last_tickers_.end()) {
      last_tickers_.push_back(t);
    }
  }
  last_tones_.clear();
  for (size_t t : last_tickers_) {
    catch_up_mood(t);
    last_tones_.push_back(tone_for(t));
  }

  // Find templates for these tones. A bearish-then-bullish pair uses a bullish-then-bearish
  // template with the tickers swapped; combinations without templates take the main ticker's tone
  // for all; as a last resort the post is about the main ticker alone.
  const auto& buckets = tables_->buckets;
  auto bucket = [&]() -> const std::vector<size_t>& {
    int t[3] = {0, 0, 0};
    for (size_t i = 0; i < last_tones_.size(); ++i) t[i] = last_tones_[i];
    return buckets[bucket_key(last_tones_.size(), t[0], t[1], t[2])];
  };
  if (bucket().empty() && n == 2 && last_tones_[0] == -1 && last_tones_[1] == 1) {
    std::swap(last_tickers_[0], last_tickers_[1]);
    std::swap(last_tones_[0], last_tones_[1]);
  }
  if (bucket().empty()) {
    for (int& t : last_tones_) t = last_tones_[0];
  }
  if (bucket().empty()) {
    last_tickers_.resize(1);
    last_tones_.resize(1);
  }
  const std::vector<size_t>& candidates = bucket();
  const size_t chosen = candidates[rng_.below(static_cast<uint32_t>(candidates.size()))];

  out.text.clear();
  render(chosen, out.text);

  // Finishing touches, as people write: shouting, "!!!", extra emoji, a hashtag.
  const int tone = last_tones_[0];
  if (tone != 0 && rng_.chance(0.12)) out.text += "!!!";
  if (rng_.chance(0.2)) {
    const auto& pool = pools()[static_cast<size_t>(
        tone > 0 ? Pool::kBullEmoji : (tone < 0 ? Pool::kBearEmoji : Pool::kNeutralEmoji))];
    const auto& emoji = pool[rng_.below(static_cast<uint32_t>(pool.size()))];
    const uint32_t repeat = 1 + rng_.below(3);
    out.text += ' ';
    for (uint32_t i = 0; i < repeat; ++i) out.text += emoji;
  }
  if (rng_.chance(0.08)) {
    const auto& tags = pools()[static_cast<size_t>(Pool::kHashtag)];
    out.text += ' ';
    out.text += tags[rng_.below(static_cast<uint32_t>(tags.size()))];
  }
  if (tone != 0 && rng_.chance(0.06)) {
    for (char& c : out.text) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
  }
  if (options_.multiline_share > 0 && rng_.chance(options_.multiline_share)) {
    const auto& closers = pools()[static_cast<size_t>(Pool::kNeutralCloser)];
    out.text += "\n\n";
    out.text += closers[rng_.below(static_cast<uint32_t>(closers.size()))];
    if (rng_.chance(0.5)) {
      const auto& tags = pools()[static_cast<size_t>(Pool::kHashtag)];
      out.text += '\n';
      out.text += tags[rng_.below(static_cast<uint32_t>(tags.size()))];
    }
  }
}

}  // namespace stockpulse
