#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sink/http_client.h"

namespace stockpulse {

// How rows travel in an INSERT. RowBinary is the default: fixed-width little-endian numbers and
// length-prefixed strings cost the client and the server the least (sink_benchmark:
// BM_ClickHouseWritePosts fmt:0/1/2; figures in src/sink/README.md). TabSeparated and
// JSONEachRow are kept for comparison and for servers whose time zone is not UTC (see
// ClickHouseServingStore).
enum class ClickHouseInsertFormat : uint8_t { kRowBinary, kTabSeparated, kJsonEachRow };

// Where a ClickHouse client connects: clickhouse://[USER[:PASSWORD]@]HOST:PORT/DB, the HTTP port
// (8123 by default in ClickHouse's own config).
struct ClickHouseOptions {
  std::string host = "127.0.0.1";
  int port = 8123;
  std::string database = "default";
  std::string user;      // empty: ClickHouse's `default` user
  std::string password;  // never logged
  int64_t connect_timeout_ms = 2000;
  int64_t request_timeout_ms = 30000;
  // A write_* batch is sent in requests of at most this many bytes.
  size_t max_request_bytes = 16u << 20;
  // With min_insert_bytes > 0 a serving store holds each table's rows until they reach that
  // many bytes (or a flush, a read, or max_insert_delay_ms at the next write_*), so inserts are
  // large: ClickHouse writes a part (a file per column) per insert and merges parts in the
  // background. 0 (the default): every write_* is one insert. Off by default because held rows
  // reach the server only at the next write_* or flush(): behind BufferedServingStore an outage
  // would then show only at the next checkpoint.
  size_t min_insert_bytes = 0;
  int64_t max_insert_delay_ms = 1000;
  // Inserts a serving store may have outstanding (each on its own connection and thread) when
  // write_* returns; flush() waits for them. 0: write_* returns once its rows are acknowledged.
  int inflight_inserts = 2;
  ClickHouseInsertFormat insert_format = ClickHouseInsertFormat::kRowBinary;

  // Parses "clickhouse://[USER[:PASSWORD]@]HOST[:PORT]/DB"; without USER in the URL, user and
  // password come from CLICKHOUSE_USER / CLICKHOUSE_PASSWORD. Throws std::runtime_error naming
  // the URL (password masked) when it does not parse (a start-up error).
  static ClickHouseOptions from_url(const std::string& url);
};

// `url` with the password of its userinfo ("scheme://user:PASSWORD@host/...") replaced by
// "***", for messages. The userinfo ends at the last '@', so a password holding '@' is masked
// whole. URLs without a password come back unchanged.
std::string mask_url_password(std::string_view url);

// Why a ClickHouse request failed.
enum class ClickHouseErrorKind : uint8_t {
  kUnreachable,  // no answer: refused, timed out, connection reset
  kServer,       // the server answered with an HTTP error (bad SQL, bad credentials, overload)
  kMalformed,    // the answer is not what the request asked for
};

struct ClickHouseError {
  ClickHouseErrorKind kind;
  long http_status = 0;  // kServer: the status
  std::string message;   // names "clickhouse://HOST:PORT/DB", never the password
};

// A parsed TabSeparated answer; a NULL field (\N) is nullopt.
struct ClickHouseRows {
  std::vector<std::string> names;  // with_names only
  std::vector<std::string> types;  // with_names only
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// The one HTTP client of ClickHouse used by the serving store (writes) and the serving reader
// (reads): URL and settings as URL parameters, basic-auth credentials, error texts that name the
// server but never the password, and TabSeparated parsing. One kept-alive connection.
//
// Lifecycle: construct (no I/O), call any number of times, destroy.
// Thread-safety: not thread-safe; one thread at a time (callers serialise).
class ClickHouseClient {
 public:
  explicit ClickHouseClient(ClickHouseOptions options);
  ~ClickHouseClient();
  ClickHouseClient(const ClickHouseClient&) = delete;
  ClickHouseClient& operator=(const ClickHouseClient&) = delete;

  // Runs one statement (in the options' database unless in_database is false, e.g. for CREATE
  // DATABASE); the body of the answer.
  Result<std::string, ClickHouseError> execute(std::string_view sql, bool in_database = true);
  // Sends `data` to `insert_sql` ("INSERT INTO t (...) FORMAT F"), which travels in the URL
  // with url_settings ("&name=value...", already encoded).
  Result<std::string, ClickHouseError> insert(std::string_view insert_sql, std::string_view data,
                                              std::string_view url_settings = {});
  // Runs a SELECT with FORMAT TabSeparated (or TabSeparatedWithNamesAndTypes with with_names)
  // appended, and parses the answer. A row whose field count differs from the first row's (or
  // from the names') is kMalformed.
  Result<ClickHouseRows, ClickHouseError> select(std::string_view sql, bool with_names = false);

  // "clickhouse://HOST:PORT/DB": how messages name the server.
  const std::string& where() const { return where_; }
  const ClickHouseOptions& options() const { return options_; }
  uint64_t requests_sent() const { return requests_sent_; }

  // Undoes TabSeparated escaping of one field (\t \n \r \0 \b \f \\ \' and any other \x as x).
  static std::string unescape(std::string_view field);
  // Parses TabSeparated text; with_names: the first two lines are the names and types.
  static Result<ClickHouseRows, std::string> parse_tab_separated(std::string_view text,
                                                                 bool with_names);

 private:
  Result<std::string, ClickHouseError> post(const std::string& url, std::string_view body);

  ClickHouseOptions options_;
  std::string where_;
  std::string base_url_;  // "http://HOST:PORT/"
  HttpClient http_;
  uint64_t requests_sent_ = 0;
};

}  // namespace stockpulse
