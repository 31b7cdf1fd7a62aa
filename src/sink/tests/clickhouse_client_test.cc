// Tests of ClickHouseClient, the HTTP client the serving store and the serving reader share,
// against a real clickhouse-server (Debian's 18.16) started here: answers parsed, and every error
// path (bad SQL, bad credentials, server down, malformed answer) a clear value that names the
// server and never the password.

#include "sink/clickhouse_client.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "sink/tests/clickhouse_server.h"
#include "sink/tests/clickhouse_suite.h"
#include "sink/tests/temp_dir.h"

namespace stockpulse {
namespace {

class ClickHouseClientTest : public testing::ClickHouseSuite {
 protected:
  static ClickHouseOptions options() {
    ClickHouseOptions o = ClickHouseOptions::from_url(server_->url("default"));
    o.connect_timeout_ms = 500;
    o.request_timeout_ms = 10000;
    return o;
  }
};

TEST_F(ClickHouseClientTest, SelectParsesNamesTypesNullsAndEscapes) {
  ClickHouseClient client(options());
  auto r = client.select(
      "SELECT 'a\\tb\\\\N\\nc' AS s, CAST(NULL AS Nullable(Int64)) AS n, "
      "toUInt16(7) AS u, '\\\\N' AS literal",
      /*with_names=*/true);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().names, (std::vector<std::string>{"s", "n", "u", "literal"}));
  EXPECT_EQ(r.value().types,
            (std::vector<std::string>{"String", "Nullable(Int64)", "UInt16", "String"}));
  ASSERT_EQ(r.value().rows.size(), 1u);
  const auto& row = r.value().rows[0];
  EXPECT_EQ(row[0], std::optional<std::string>("a\tb\\N\nc"));
  EXPECT_EQ(row[1], std::nullopt);
  EXPECT_EQ(row[2], std::optional<std::string>("7"));
  EXPECT_EQ(row[3], std::optional<std::string>("\\N"));  // the text, not NULL
  EXPECT_EQ(client.requests_sent(), 1u);
}

TEST_F(ClickHouseClientTest, InsertSendsTheBodyAndBadSqlIsAServerError) {
  ClickHouseClient client(options());
  ASSERT_TRUE(client
                  .execute("CREATE TABLE IF NOT EXISTS client_t (x UInt8, s String) "
                           "ENGINE = MergeTree ORDER BY x")
                  .ok());
  ASSERT_TRUE(client.execute("TRUNCATE TABLE client_t").ok());
  // RowBinary: UInt8 2, then String "hi" (length 2).
  auto ins =
      client.insert("INSERT INTO client_t (x, s) FORMAT RowBinary", std::string("\2\2hi", 4));
  ASSERT_TRUE(ins.ok()) << ins.error().message;
  auto rows = client.select("SELECT x, s FROM client_t");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows.value().rows.size(), 1u);
  EXPECT_EQ(rows.value().rows[0][0], std::optional<std::string>("2"));
  EXPECT_EQ(rows.value().rows[0][1], std::optional<std::string>("hi"));

  auto bad = client.execute("SELEC 1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ClickHouseErrorKind::kServer);
  EXPECT_NE(bad.error().http_status, 200);
  EXPECT_NE(bad.error().message.find(client.where()), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("Syntax error"), std::string::npos) << bad.error().message;
}

TEST_F(ClickHouseClientTest, BadCredentialsAreRefusedAndThePasswordNeverShows) {
  const std::string secret = "Wr0ng-s3cret-pw";
  ClickHouseOptions o = options();
  o.user = "default";
  o.password = secret;
  ClickHouseClient client(o);
  auto r = client.execute("SELECT 1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ClickHouseErrorKind::kServer);
  EXPECT_NE(r.error().http_status, 200);
  EXPECT_EQ(r.error().message.find(secret), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(client.where()), std::string::npos) << r.error().message;

  // The same through the environment, as `serve` and `run` take credentials.
  ::setenv("CLICKHOUSE_USER", "nobody", 1);
  ::setenv("CLICKHOUSE_PASSWORD", secret.c_str(), 1);
  ClickHouseClient from_env(ClickHouseOptions::from_url(server_->url("default")));
  ::unsetenv("CLICKHOUSE_USER");
  ::unsetenv("CLICKHOUSE_PASSWORD");
  auto s = from_env.select("SELECT 1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ClickHouseErrorKind::kServer);
  EXPECT_NE(s.error().message.find("nobody"), std::string::npos) << s.error().message;
  EXPECT_EQ(s.error().message.find(secret), std::string::npos) << s.error().message;
}

TEST_F(ClickHouseClientTest, ServerDownIsUnreachableAndNamesTheServer) {
  ClickHouseOptions o = options();
  o.port = testing::free_port();
  o.password = "s3cret-down";
  ClickHouseClient client(o);
  auto r = client.select("SELECT 1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ClickHouseErrorKind::kUnreachable);
  EXPECT_NE(r.error().message.find("clickhouse://127.0.0.1:" + std::to_string(o.port) + "/default"),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.find("s3cret-down"), std::string::npos) << r.error().message;
}

// Answers that are not the TabSeparated the client asked for: the trailing comment swallows the
// FORMAT the client appends, so the server answers in the format the statement names.
TEST_F(ClickHouseClientTest, MalformedAnswerIsAnErrorNotRows) {
  ClickHouseClient client(options());
  // Raw text: the first row has two fields, the second one.
  auto ragged = client.select("SELECT 'a\\tb\\nc' FORMAT TabSeparatedRaw --");
  ASSERT_FALSE(ragged.ok());
  EXPECT_EQ(ragged.error().kind, ClickHouseErrorKind::kMalformed);
  EXPECT_NE(ragged.error().message.find("a row of 1 fields for 2 columns"), std::string::npos)
      << ragged.error().message;
  // No names and types lines where they were asked for.
  auto headless = client.select("SELECT 1 FORMAT TabSeparated --", /*with_names=*/true);
  ASSERT_FALSE(headless.ok());
  EXPECT_EQ(headless.error().kind, ClickHouseErrorKind::kMalformed);
  EXPECT_NE(headless.error().message.find(client.where()), std::string::npos);
}

}  // namespace
}  // namespace stockpulse
