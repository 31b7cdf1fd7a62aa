#include "serve/api_query.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

namespace stockpulse {
namespace {

TEST(ApiQuery, DefaultsWhenEmpty) {
  auto q = parse_api_query("");
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q.value().symbol);
  EXPECT_FALSE(q.value().from);
  EXPECT_FALSE(q.value().to);
  EXPECT_EQ(q.value().limit, ApiQuery::kDefaultLimit);
  EXPECT_FALSE(q.value().limit_capped);
}

TEST(ApiQuery, ParsesEveryParameter) {
  auto q = parse_api_query("symbol=brk.b&from=2024-05-01T14%3A30%3A00Z&to=1714574400000&limit=7");
  ASSERT_TRUE(q.ok()) << q.error();
  EXPECT_EQ(*q.value().symbol, "BRK.B");
  EXPECT_EQ(q.value().from->value(), 1714573800000);  // 2024-05-01T14:30:00Z
  EXPECT_EQ(q.value().to->value(), 1714574400000);
  EXPECT_EQ(q.value().limit, 7);
}

TEST(ApiQuery, CapsLargeLimits) {
  for (const char* text : {"limit=5001", "limit=99999999999999999999999"}) {
    auto q = parse_api_query(text);
    ASSERT_TRUE(q.ok()) << text;
    EXPECT_EQ(q.value().limit, ApiQuery::kMaxLimit) << text;
    EXPECT_TRUE(q.value().limit_capped) << text;
  }
  auto q = parse_api_query("limit=5000");
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q.value().limit_capped);
}

TEST(ApiQuery, RefusesBadValues) {
  for (const char* text :
       {"limit=0", "limit=-3", "limit=abc", "limit=", "limit=1.5", "limit=10x",
        "symbol=", "symbol=AAPL%3BDROP", "symbol=A%20B", "symbol=ABCDEFGHIJKLMNOPQ", "symbol=%00",
        "from=yesterday", "from=2024-13-01T00:00:00Z", "to=", "from=%zz",
        "from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z",
        "from=2024-05-01T00:00:00Z&to=2024-05-01T00:00:00Z", "symbols=AAPL",
        "symbol=AAPL&symbol=NVDA", "limit=1&limit=2", "x", "symbol=AA%0aPL", "to=99999999999999999",
        // Year 10000 once the offset is applied (sp_api_query_fuzz).
        "from=9999-12-31T23:59:59.99999-12", "to=1970-01-01T00:00:00%2B01:00"}) {
    EXPECT_FALSE(parse_api_query(text).ok()) << text;
  }
}

TEST(ApiQuery, PercentDecoding) {
  EXPECT_EQ(*percent_decode("a%2Fb+c", true), "a/b c");
  EXPECT_EQ(*percent_decode("a+b", false), "a+b");
  EXPECT_FALSE(percent_decode("%2", true));
  EXPECT_FALSE(percent_decode("%", true));
  EXPECT_FALSE(percent_decode("%00", true));
  EXPECT_FALSE(percent_decode("%1f", true));
}

TEST(ApiQuery, TimeParameterForms) {
  EXPECT_EQ(parse_time_parameter("0")->value(), 0);
  EXPECT_EQ(parse_time_parameter("2024-05-01")->value(), 1714521600000);
  EXPECT_FALSE(parse_time_parameter("-5"));
  EXPECT_FALSE(parse_time_parameter(""));
}

}  // namespace
}  // namespace stockpulse
