#include "analytics/fear_greed_index.h"

#include <gtest/gtest.h>

#include <cmath>

namespace stockpulse {
namespace {

EventTime minute(int64_t m) {
  return EventTime(m * 60000);
}

TEST(FearGreedIndex, Bands) {
  EXPECT_EQ(fear_greed_band(0), FearGreedBand::kExtremeFear);
  EXPECT_EQ(fear_greed_band(24.99), FearGreedBand::kExtremeFear);
  EXPECT_EQ(fear_greed_band(25), FearGreedBand::kFear);
  EXPECT_EQ(fear_greed_band(44.99), FearGreedBand::kFear);
  EXPECT_EQ(fear_greed_band(45), FearGreedBand::kNeutral);
  EXPECT_EQ(fear_greed_band(55), FearGreedBand::kNeutral);
  EXPECT_EQ(fear_greed_band(55.01), FearGreedBand::kGreed);
  EXPECT_EQ(fear_greed_band(75), FearGreedBand::kGreed);
  EXPECT_EQ(fear_greed_band(75.01), FearGreedBand::kExtremeGreed);
  EXPECT_STREQ(fear_greed_band_name(FearGreedBand::kExtremeGreed), "extreme_greed");
}

TEST(FearGreedIndex, NothingAvailable) {
  FearGreedIndex fg;
  EXPECT_FALSE(fg.update("X", FearGreedInputs{.minute = minute(0)}).has_value());
  EXPECT_FALSE(fg.market(minute(0)).has_value());
}

TEST(FearGreedIndex, SentimentOnlyRenormalisesWeights) {
  FearGreedIndex fg;
  auto r = fg.update(
      "X", FearGreedInputs{.minute = minute(0), .avg_compound = 0.2, .bullish_share = 0.5});
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->sentiment, 60);
  EXPECT_DOUBLE_EQ(r->bullish, 50);
  EXPECT_TRUE(std::isnan(r->momentum));
  // (60 * 0.25 + 50 * 0.15) / 0.40 = 56.25
  EXPECT_NEAR(r->score, 56.25, 1e-12);
  EXPECT_EQ(r->band, FearGreedBand::kGreed);
}

TEST(FearGreedIndex, AllComponentsHandComputed) {
  FearGreedIndex fg;
  for (int i = 0; i < 5; ++i) {
    (void)fg.update("X", FearGreedInputs{.minute = minute(i),
                                         .close = 100.0,
                                         .volatility = 1.0,
                                         .volume = 1000,
                                         .price_change = 0});
  }
  auto r = fg.update("X", FearGreedInputs{.minute = minute(5),
                                          .avg_compound = 0.0,
                                          .bullish_share = 0.4,
                                          .close = 100.5,
                                          .volatility = 2.0,
                                          .volume = 3000,
                                          .price_change = 1.0});
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->sentiment, 50);
  EXPECT_DOUBLE_EQ(r->bullish, 40);
  // +0.5 % over the average close, scale 0.5 % → logistic(1).
  const double momentum = 100.0 / (1.0 + std::exp(-1.0));
  EXPECT_NEAR(r->momentum, momentum, 1e-9);
  // Twice the usual volatility: logistic(ln 2 / 0.5) = 1 / (1 + 1/4) = 0.8 → 100 - 80 = 20.
  EXPECT_NEAR(r->volatility, 20, 1e-9);
  // Three times the usual volume on an up move: excess 2 → intensity 2/3 → 50 + 33.33.
  EXPECT_NEAR(r->volume, 50 + 50 * 2.0 / 3, 1e-9);
  const double expected =
      50 * 0.25 + 40 * 0.15 + momentum * 0.25 + 20 * 0.20 + (50 + 100.0 / 3) * 0.15;
  EXPECT_NEAR(r->score, expected, 1e-9);
}

TEST(FearGreedIndex, HighVolumeOnDownMoveIsFear) {
  FearGreedIndex fg;
  for (int i = 0; i < 5; ++i) {
    (void)fg.update(
        "X",
        FearGreedInputs{.minute = minute(i), .close = 100.0, .volatility = 1.0, .volume = 1000});
  }
  auto r = fg.update("X", FearGreedInputs{.minute = minute(5),
                                          .close = 100.0,
                                          .volatility = 1.0,
                                          .volume = 2000,
                                          .price_change = -0.5});
  ASSERT_TRUE(r.has_value());
  EXPECT_NEAR(r->volume, 25, 1e-9);      // excess 1 → intensity 1/2 → 50 - 25
  EXPECT_NEAR(r->volatility, 50, 1e-9);  // as usual
  EXPECT_NEAR(r->momentum, 50, 1e-9);    // at its average
}

TEST(FearGreedIndex, RevisionDoesNotCountItself) {
  FearGreedIndex a, b;
  for (int i = 0; i < 6; ++i) {
    FearGreedInputs in{
        .minute = minute(i), .close = 100.0 + i, .volatility = 1.0 + i, .volume = 1000.0 + i};
    (void)a.update("X", in);
    (void)b.update("X", in);
  }
  FearGreedInputs guess{.minute = minute(6), .close = 90, .volatility = 9, .volume = 9};
  FearGreedInputs final_in{.minute = minute(6), .close = 107, .volatility = 2, .volume = 500};
  (void)a.update("X", guess);
  auto ra = a.update("X", final_in);
  auto rb = b.update("X", final_in);
  ASSERT_TRUE(ra && rb);
  EXPECT_EQ(ra->score, rb->score);
}

TEST(FearGreedIndex, MarketIsMeanOfFreshSymbols) {
  FearGreedIndex fg;
  (void)fg.update("A", FearGreedInputs{.minute = minute(10),
                                       .avg_compound = 0.6,
                                       .bullish_share = 0.8});  // (80*.25 + 80*.15)/.4 = 80
  (void)fg.update("B", FearGreedInputs{.minute = minute(9),
                                       .avg_compound = -0.2,
                                       .bullish_share = 0.4});  // (40*.25 + 40*.15)/.4 = 40
  (void)fg.update(
      "C", FearGreedInputs{
               .minute = minute(1), .avg_compound = 1, .bullish_share = 1});  // stale at minute 10
  (void)fg.update(
      "*", FearGreedInputs{
               .minute = minute(10), .avg_compound = 1, .bullish_share = 1});  // never counted
  auto m = fg.market(minute(10));
  ASSERT_TRUE(m.has_value());
  EXPECT_NEAR(m->score, 60, 1e-9);
  EXPECT_EQ(m->band, FearGreedBand::kGreed);
}

}  // namespace
}  // namespace stockpulse
