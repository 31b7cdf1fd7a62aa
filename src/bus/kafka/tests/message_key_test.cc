#include <gtest/gtest.h>

#include "bus/kafka/message_key.h"

namespace stockpulse {
namespace {

TEST(FirstCashtagTest, TakesTheFirstCashtagUpperCased) {
  EXPECT_EQ(first_cashtag("long $nvda, short $INTC"), "NVDA");
  EXPECT_EQ(first_cashtag("$AAPL to the moon"), "AAPL");
  EXPECT_EQ(first_cashtag("buying ($tsla)!"), "TSLA");
}

TEST(FirstCashtagTest, ClassSuffixOnlyWhenItIsOne) {
  EXPECT_EQ(first_cashtag("$brk.b is cheap"), "BRK.B");
  EXPECT_EQ(first_cashtag("I sold $MSFT."), "MSFT");
  EXPECT_EQ(first_cashtag("I sold $MSFT.Then bought"), "MSFT");
}

TEST(FirstCashtagTest, NotCashtags) {
  EXPECT_EQ(first_cashtag("paid $100 for US$5 of $TOOLONG and $AAPL1"), "");
  EXPECT_EQ(first_cashtag("no tickers here"), "");
  EXPECT_EQ(first_cashtag("$"), "");
  EXPECT_EQ(first_cashtag("a$GME b"), "");
  EXPECT_EQ(first_cashtag("$5.50 then $amd"), "AMD");
}

}  // namespace
}  // namespace stockpulse
