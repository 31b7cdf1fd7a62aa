#include "serve/dashboard_service.h"

#include <fmt/format.h>

#include <stdexcept>

#include "serve/serving_reader.h"
#include "serve/store_poller.h"

#ifndef STOCKPULSE_WEB_DIST
#define STOCKPULSE_WEB_DIST ""
#endif

namespace stockpulse {

std::string default_web_root() {
  return STOCKPULSE_WEB_DIST;
}

std::string sqlite_path_from_url(const std::string& url) {
  std::string path;
  if (url.starts_with("sqlite://")) {
    path = url.substr(9);
  } else if (url.starts_with("sqlite:")) {
    path = url.substr(7);
  } else {
    throw std::runtime_error(
        fmt::format("--serving '{}': the dashboard reads a SQLite store: sqlite:PATH", url));
  }
  if (path.empty()) throw std::runtime_error(fmt::format("--serving '{}': empty path", url));
  return path;
}

DashboardService::DashboardService(const DashboardOptions& options, const std::string& store,
                                   const MetricsSource* metrics)
    : hub_(options.hub) {
  HttpServerOptions http = options.http;
  if (http.web_root.empty()) http.web_root = default_web_root();
  host_ = http.listen.substr(0, http.listen.rfind(':'));
  if (host_.empty() || host_ == "0.0.0.0" || host_ == "[::]") host_ = "127.0.0.1";
  reader_ = open_serving_reader(store);
  server_ = std::make_unique<HttpServer>(http, *reader_, hub_, metrics);
  server_->start();
  if (options.poll_store) {
    poller_ = std::make_unique<StorePoller>(*reader_, hub_, options.poll_interval);
  }
}

DashboardService::~DashboardService() {
  poller_.reset();
  server_.reset();
}

int DashboardService::port() const {
  return server_->port();
}

std::string DashboardService::url() const {
  return fmt::format("http://{}:{}/", host_, port());
}

std::unique_ptr<DashboardService> start_dashboard(const DashboardOptions& options,
                                                  const std::string& store,
                                                  const MetricsSource* metrics) {
  return std::make_unique<DashboardService>(options, store, metrics);
}

}  // namespace stockpulse
