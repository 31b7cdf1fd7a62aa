#include "pipeline/dashboard_options.h"

#include <chrono>
#include <cstdlib>

#include "serve/symbols_query.h"

namespace stockpulse {

DashboardOptions dashboard_options(const Config& c, const std::string& listen) {
  DashboardOptions d;
  d.http.listen = listen;
  d.http.web_root = c.serve.web_root;
  if (const char* token = std::getenv("STOCKPULSE_TOKEN")) d.http.token = token;
  d.http.allowed_hosts = c.serve.allowed_hosts;
  // Validated by Config::validate(); an invalid list here is dropped rather than served.
  auto watch = normalize_watch_list(c.serve.watch_list.empty() ? c.sentiment.watch_list
                                                               : c.serve.watch_list);
  if (watch) d.http.symbols_view.watch_list = std::move(watch).value();
  d.http.symbols_view.badges = static_cast<int>(c.serve.badges);
  d.http.max_connections = static_cast<size_t>(c.serve.max_connections);
  d.http.max_connections_per_client = static_cast<size_t>(c.serve.max_connections_per_client);
  d.http.header_timeout = std::chrono::milliseconds(c.serve.header_timeout_ms);
  d.http.idle_timeout = std::chrono::milliseconds(c.serve.idle_timeout_ms);
  d.http.write_timeout = std::chrono::milliseconds(c.serve.write_timeout_ms);
  d.hub.max_subscribers = static_cast<size_t>(c.serve.max_live_subscribers);
  d.hub.max_subscribers_per_client = static_cast<size_t>(c.serve.max_live_subscribers_per_client);
  return d;
}

}  // namespace stockpulse
