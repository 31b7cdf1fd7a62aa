// The ClickHouse URL's userinfo (issue #15): a password holding '@' is parsed and masked whole.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "sink/clickhouse_client.h"

namespace stockpulse {
namespace {

TEST(ClickHouseUrl, TheUserinfoEndsAtTheLastAt) {
  const ClickHouseOptions o =
      ClickHouseOptions::from_url("clickhouse://ann:p@ss@w0rd@db.local:9000/sp");
  EXPECT_EQ(o.user, "ann");
  EXPECT_EQ(o.password, "p@ss@w0rd");
  EXPECT_EQ(o.host, "db.local");
  EXPECT_EQ(o.port, 9000);
  EXPECT_EQ(o.database, "sp");
}

TEST(ClickHouseUrl, NoPartOfThePasswordIsEverShown) {
  for (const std::string password : {"plain", "p@ss", "@lead", "trail@", "a@b@c", "x:y@z/w"}) {
    const std::string url = "clickhouse://ann:" + password + "@db.local:8123/sp";
    const std::string shown = mask_url_password(url);
    EXPECT_EQ(shown, "clickhouse://ann:***@db.local:8123/sp") << password;
  }
  EXPECT_EQ(mask_url_password("clickhouse://db.local:8123/sp"), "clickhouse://db.local:8123/sp");
  EXPECT_EQ(mask_url_password("clickhouse://ann@db.local/sp"), "clickhouse://ann@db.local/sp");
  EXPECT_EQ(mask_url_password("sqlite:out/serving.db"), "sqlite:out/serving.db");
  // The start-up error for a bad URL masks it the same way.
  try {
    ClickHouseOptions::from_url("clickhouse://ann:se@cret@db.local:99999/sp");
    FAIL() << "a bad port must be refused";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find("se"), message.find("serving store"));  // only that "se"
    EXPECT_EQ(message.find("cret"), std::string::npos) << message;
    EXPECT_NE(message.find("ann:***@db.local"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace stockpulse
