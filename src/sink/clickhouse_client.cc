#include "sink/clickhouse_client.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <stdexcept>

namespace stockpulse {

namespace {

// Where the userinfo of "SCHEME://USER[:PASSWORD]@HOST..." ends: the last '@', because a password
// may hold '@' (and '/', ':') while host, port and database never do. npos when there is none.
size_t userinfo_end(std::string_view url, size_t authority) {
  const size_t at = url.rfind('@');
  return at == std::string_view::npos || at < authority ? std::string_view::npos : at;
}

}  // namespace

std::string mask_url_password(std::string_view url) {
  const size_t scheme = url.find("://");
  const size_t authority = scheme == std::string_view::npos ? 0 : scheme + 3;
  const size_t at = userinfo_end(url, authority);
  std::string shown(url);
  if (at == std::string_view::npos) return shown;
  const size_t colon = url.find(':', authority);  // a user name holds no ':'
  if (colon != std::string_view::npos && colon < at)
    shown.replace(colon + 1, at - colon - 1, "***");
  return shown;
}

ClickHouseOptions ClickHouseOptions::from_url(const std::string& url) {
  constexpr std::string_view kScheme = "clickhouse://";
  std::string_view u(url);
  // The message shows the URL without any inline password.
  const std::string shown = mask_url_password(url);
  auto bad = [&shown](const char* why) {
    return std::runtime_error("serving store URL '" + shown + "': " + why +
                              " (expected clickhouse://[USER[:PASSWORD]@]HOST[:PORT]/DB)");
  };
  if (!u.starts_with(kScheme)) throw bad("not a clickhouse:// URL");
  u.remove_prefix(kScheme.size());
  ClickHouseOptions o;
  const size_t at = userinfo_end(u, 0);
  if (at != std::string_view::npos) {
    std::string_view cred = u.substr(0, at);
    const size_t colon = cred.find(':');
    o.user = std::string(cred.substr(0, colon));
    if (colon != std::string_view::npos) o.password = std::string(cred.substr(colon + 1));
    u.remove_prefix(at + 1);
  } else {
    // No credentials in the URL: the environment's, as `serve` reads them.
    if (const char* user = std::getenv("CLICKHOUSE_USER")) o.user = user;
    if (const char* password = std::getenv("CLICKHOUSE_PASSWORD")) o.password = password;
  }
  const size_t slash = u.find('/');
  std::string_view hostport = u.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view db = u.substr(slash + 1);
    if (!db.empty() && db.back() == '/') db.remove_suffix(1);
    if (!db.empty()) o.database = std::string(db);
  }
  for (char c : o.database) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) throw bad("bad database name");
  }
  const size_t colon = hostport.rfind(':');
  if (colon != std::string_view::npos) {
    std::string_view port = hostport.substr(colon + 1);
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), o.port);
    if (ec != std::errc() || p != port.data() + port.size() || o.port <= 0 || o.port > 65535) {
      throw bad("bad port");
    }
    hostport = hostport.substr(0, colon);
  }
  if (hostport.empty()) throw bad("no host");
  o.host = std::string(hostport);
  return o;
}

ClickHouseClient::ClickHouseClient(ClickHouseOptions options)
    : options_(std::move(options)),
      where_(fmt::format("clickhouse://{}:{}/{}", options_.host, options_.port, options_.database)),
      base_url_(fmt::format("http://{}:{}/", options_.host, options_.port)) {}

ClickHouseClient::~ClickHouseClient() = default;

Result<std::string, ClickHouseError> ClickHouseClient::post(const std::string& url,
                                                            std::string_view body) {
  ++requests_sent_;
  HttpRequest req;
  req.method = "POST";
  req.url = url;
  req.body = body;
  // Basic auth through libcurl's options: the credentials are never part of the URL, so they
  // cannot appear in a transport error (which names the URL).
  req.user = options_.user;
  req.password = options_.password;
  req.connect_timeout_ms = options_.connect_timeout_ms;
  req.timeout_ms = options_.request_timeout_ms;
  req.headers.push_back("Content-Type: text/plain; charset=UTF-8");
  auto r = http_.send(req);
  if (!r.ok()) {
    return Err(ClickHouseError{ClickHouseErrorKind::kUnreachable, 0,
                               fmt::format("{}: {}", where_, r.error())});
  }
  HttpResponse& response = r.value();
  if (response.status != 200) {
    std::string text = std::move(response.body);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    // The server does not echo passwords, but make sure no error text ever carries one.
    if (!options_.password.empty()) {
      for (size_t at = text.find(options_.password); at != std::string::npos;
           at = text.find(options_.password, at + 3)) {
        text.replace(at, options_.password.size(), "***");
      }
    }
    return Err(ClickHouseError{ClickHouseErrorKind::kServer, response.status,
                               fmt::format("{}: HTTP {}: {}", where_, response.status, text)});
  }
  return std::move(response.body);
}

Result<std::string, ClickHouseError> ClickHouseClient::execute(std::string_view sql,
                                                               bool in_database) {
  // Settings travel as URL parameters: `SET` does not persist across HTTP requests.
  std::string url = base_url_;
  if (in_database) url += "?database=" + HttpClient::url_encode(options_.database);
  return post(url, sql);
}

Result<std::string, ClickHouseError> ClickHouseClient::insert(std::string_view insert_sql,
                                                              std::string_view data,
                                                              std::string_view url_settings) {
  std::string url = base_url_ + "?database=" + HttpClient::url_encode(options_.database);
  url += url_settings;
  url += "&query=" + HttpClient::url_encode(insert_sql);
  return post(url, data);
}

Result<ClickHouseRows, ClickHouseError> ClickHouseClient::select(std::string_view sql,
                                                                 bool with_names) {
  std::string full(sql);
  full += with_names ? " FORMAT TabSeparatedWithNamesAndTypes" : " FORMAT TabSeparated";
  auto body = execute(full);
  if (!body.ok()) return Err(body.error());
  auto rows = parse_tab_separated(body.value(), with_names);
  if (!rows.ok()) {
    return Err(ClickHouseError{ClickHouseErrorKind::kMalformed, 0,
                               fmt::format("{}: malformed answer: {}", where_, rows.error())});
  }
  return std::move(rows.value());
}

std::string ClickHouseClient::unescape(std::string_view f) {
  std::string out;
  out.reserve(f.size());
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '\\' || i + 1 == f.size()) {
      out += f[i];
      continue;
    }
    switch (const char e = f[++i]) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case '0':
        out += '\0';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      default:
        out += e;
    }
  }
  return out;
}

Result<ClickHouseRows, std::string> ClickHouseClient::parse_tab_separated(std::string_view text,
                                                                          bool with_names) {
  ClickHouseRows out;
  size_t width = 0;
  for (int line_no = 0; !text.empty(); ++line_no) {
    size_t nl = text.find('\n');
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(std::min(nl + 1, text.size()));
    std::vector<std::optional<std::string>> fields;
    for (;;) {
      const size_t tab = line.find('\t');
      const std::string_view f = line.substr(0, tab);
      // NULL is the bare field \N; a string holding \N arrives as \\N.
      if (f == "\\N") {
        fields.emplace_back(std::nullopt);
      } else {
        fields.emplace_back(unescape(f));
      }
      if (tab == std::string_view::npos) break;
      line.remove_prefix(tab + 1);
    }
    if (with_names && line_no < 2) {
      auto& into = line_no == 0 ? out.names : out.types;
      for (auto& f : fields) into.push_back(f ? std::move(*f) : std::string());
      if (line_no == 1 && out.types.size() != out.names.size()) {
        return Err(fmt::format("{} types for {} column names", out.types.size(), out.names.size()));
      }
      width = out.names.size();
      continue;
    }
    if (width == 0) width = fields.size();
    if (fields.size() != width) {
      return Err(fmt::format("a row of {} fields for {} columns", fields.size(), width));
    }
    out.rows.push_back(std::move(fields));
  }
  if (with_names && out.types.empty()) {
    return Err(std::string("no names and types lines"));
  }
  return out;
}

}  // namespace stockpulse
