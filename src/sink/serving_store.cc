#include "sink/serving_store.h"

#include <stdexcept>
#include <string_view>

#include "sink/buffered_serving_store.h"
#include "sink/clickhouse_serving_store.h"
#include "sink/discarding_serving_store.h"
#include "sink/sqlite_serving_store.h"

namespace stockpulse {

std::unique_ptr<ServingStore> open_serving_store(const std::string& url,
                                                 const BufferOptions& buffer) {
  const std::string_view u(url);
  if (u == "none") return std::make_unique<DiscardingServingStore>();
  constexpr std::string_view kSqlite = "sqlite:";
  if (u.starts_with(kSqlite)) {
    std::string_view path = u.substr(kSqlite.size());
    // "sqlite:///tmp/x.db" is the URL habit of many tools; accept it as "sqlite:/tmp/x.db".
    if (path.starts_with("//")) path.remove_prefix(2);
    if (path.empty()) {
      throw std::runtime_error("serving store URL '" + url + "' has no file path (sqlite:PATH)");
    }
    return std::make_unique<SqliteServingStore>(std::string(path));
  }
  if (u.starts_with("clickhouse://")) {
    // A remote database can be down for a while; the buffer rides that out (see
    // BufferedServingStore) instead of failing the pipeline.
    return std::make_unique<BufferedServingStore>(
        std::make_unique<ClickHouseServingStore>(ClickHouseOptions::from_url(url)), buffer);
  }
  throw std::runtime_error("unsupported serving store URL '" + url +
                           "': expected 'sqlite:PATH', 'clickhouse://HOST:PORT/DB' or 'none'");
}

}  // namespace stockpulse
