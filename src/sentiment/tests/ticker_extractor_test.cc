#include "sentiment/ticker_extractor.h"

#include <gtest/gtest.h>

namespace stockpulse {
namespace {

using V = std::vector<std::string>;

TEST(TickerExtractor, Cashtags) {
  TickerExtractor t;
  EXPECT_EQ(t.symbols("long $NVDA, short $INTC"), (V{"NVDA", "INTC"}));
  EXPECT_EQ(t.symbols("$brk.b and $BRK.A"), (V{"BRK.B", "BRK.A"}));
  EXPECT_EQ(t.symbols("$AAPL. Great quarter"), (V{"AAPL"}));
  EXPECT_EQ(t.symbols("$AAPL.Great"), (V{"AAPL"}));
  EXPECT_EQ(t.symbols("($TSLA) $spy!"), (V{"TSLA", "SPY"}));
  EXPECT_EQ(t.symbols("$A $ON $GO"), (V{"A", "ON", "GO"}));  // stop-list is for bare words only
}

TEST(TickerExtractor, NotCashtags) {
  TickerExtractor t;
  EXPECT_TRUE(t.symbols("paid $100 and $5.50, US$5").empty());
  EXPECT_TRUE(t.symbols("$TOOLONG $AAPL2 $ $$ $_X").empty());
  EXPECT_TRUE(t.symbols("AAPL is up").empty());  // no watch-list: bare words ignored
}

TEST(TickerExtractor, DedupOrderAndLimit) {
  TickerExtractor t;
  EXPECT_EQ(t.symbols("$msft $AAPL $MSFT $aapl"), (V{"MSFT", "AAPL"}));
  std::string many;
  for (char a = 'A'; a <= 'Z'; ++a) many += std::string("$") + a + a + " ";
  const V got = t.symbols(many);
  ASSERT_EQ(got.size(), TickerExtractor::kMaxTickers);
  EXPECT_EQ(got.front(), "AA");
  EXPECT_EQ(got.back(), "PP");
}

TEST(TickerExtractor, WatchListAndStopList) {
  TickerExtractor t({"AAPL", "tsla", "ON", "BRK.B", "IT"}, TickerExtractor::default_stop_list());
  EXPECT_EQ(t.symbols("AAPL and TSLA ripping, BRK.B too"), (V{"AAPL", "TSLA", "BRK.B"}));
  // ON and IT are watched but stop-listed: "ON" the word is never a ticker.
  EXPECT_TRUE(t.symbols("GO ON, IT is time").empty());
  // Lower-case words and words glued to others are not bare symbols.
  EXPECT_TRUE(t.symbols("aapl xAAPL AAPLx").empty());
  EXPECT_EQ(t.symbols("$ON beats; AAPL flat"), (V{"ON", "AAPL"}));
}

TEST(TickerExtractor, MentionOffsetsAndReuse) {
  TickerExtractor t;
  std::vector<TickerMention> m;
  t.extract("buy $AMD now", m);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].begin, 4u);
  EXPECT_EQ(m[0].end, 8u);
  t.extract("nothing here", m);
  EXPECT_TRUE(m.empty());
}

TEST(TickerExtractor, RobustInputs) {
  TickerExtractor t({"AAPL"}, {});
  EXPECT_TRUE(t.symbols("").empty());
  EXPECT_TRUE(t.symbols("$").empty());
  EXPECT_EQ(t.symbols("\xFF$AAPL\xC3"), (V{"AAPL"}));
  EXPECT_EQ(t.symbols("AAPL"), (V{"AAPL"}));
}

}  // namespace
}  // namespace stockpulse
