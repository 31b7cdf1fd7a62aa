#include "serve/http_server.h"

// Boost 1.74's Asio uses std::exchange without including <utility>: include it first.
#include <utility>

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <vector>

#include "serve/api_query.h"
#include "serve/connection_limiter.h"
#include "serve/live_hub.h"
#include "serve/metrics_source.h"
#include "serve/row_json.h"
#include "serve/serving_reader.h"
#include "serve/static_files.h"

namespace stockpulse {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

// Scripts and styles come only from the server itself. Inline styles stay allowed because the
// chart libraries size their canvases through style attributes; nothing inline is ever scripted.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

constexpr const char* kNoFrontEnd =
    "<!doctype html><meta charset=utf-8><title>stockpulse</title>"
    "<h1>stockpulse: the dashboard is not built</h1>"
    "<p>The API works (try <a href=\"/api/symbols\">/api/symbols</a>), but the web front end was "
    "not found in the web root. Run <code>scripts/setup.sh</code> (it builds <code>web/dist</code> "
    "with Vite), or pass <code>--web-root</code>.</p>";

// The kernel send buffer of an event-stream socket (see Session::start_events).
constexpr int kStreamSendBufferBytes = 64 * 1024;

struct ListenAddress {
  net::ip::address address;
  uint16_t port;
};

ListenAddress parse_listen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    throw std::runtime_error(fmt::format("--listen '{}': expected HOST:PORT", listen));
  }
  std::string host = listen.substr(0, colon);
  const std::string port_text = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) {
    throw std::runtime_error(
        fmt::format("--listen '{}': '{}' is not an IP address (or localhost)", listen, host));
  }
  unsigned long port = 0;
  try {
    size_t used = 0;
    port = std::stoul(port_text, &used);
    if (used != port_text.size() || port > 65535) throw std::invalid_argument("port");
  } catch (const std::exception&) {
    throw std::runtime_error(fmt::format("--listen '{}': bad port '{}'", listen, port_text));
  }
  return ListenAddress{address, static_cast<uint16_t>(port)};
}

// Compares without an early exit, so response time does not reveal how much of a guess matched.
bool token_equals(std::string_view given, std::string_view expected) {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i) {
    diff |= static_cast<unsigned char>(given[i] ^ expected[i % expected.size()]);
  }
  return diff == 0;
}

// Build facts for stockpulse_build_info, from CMake (src/serve/CMakeLists.txt); label values
// hold no quotes or backslashes, so they need no escaping.
#ifndef STOCKPULSE_VERSION
#define STOCKPULSE_VERSION "unknown"
#endif
#ifndef STOCKPULSE_COMPILER
#define STOCKPULSE_COMPILER "unknown"
#endif
#ifndef STOCKPULSE_BUILD_TYPE
#define STOCKPULSE_BUILD_TYPE "unknown"
#endif

// Resident set size from /proc/self/statm (second field, in pages): what
// process_resident_memory_bytes means in Prometheus's own client libraries.
uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size_pages = 0, resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return 0;
  return resident_pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

std::string json_error(std::string_view message) {
  std::string out = "{\"error\":";
  append_api_json_string(message, out);
  out += '}';
  return out;
}

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  ServingReader& reader;
  LiveHub& hub;
  const MetricsSource* metrics;
  ListenAddress listen;
  StaticFiles static_files;

  // Created by start() and destroyed by stop(): destroying it destroys every pending handler and
  // with them the sessions, which unsubscribe from the hub.
  std::unique_ptr<net::io_context> ioc;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::atomic<int> bound_port{0};
  bool running = false;

  ConnectionLimiter limiter;
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> responses_4xx{0};
  std::atomic<uint64_t> responses_5xx{0};
  std::chrono::steady_clock::time_point started_at = std::chrono::steady_clock::now();
  double start_time_seconds = 0;

  Impl(HttpServerOptions o, ServingReader& r, LiveHub& h, const MetricsSource* m)
      : options(std::move(o)),
        reader(r),
        hub(h),
        metrics(m),
        listen(parse_listen(options.listen)),
        static_files(options.web_root),
        limiter(ConnectionLimits{options.max_connections, options.max_connections_per_client}) {}

  void accept();
  // The answer to `req`. Sets `start_stream` for a GET of /api/stream (the session then streams
  // instead of sending the answer) and `trusted` when the request was authorized (its token
  // matched, or no token is set and its Host is acceptable).
  http::response<http::string_body> handle(const http::request<http::string_body>& req,
                                           bool& start_stream, bool& trusted);
  http::response<http::string_body> backtest_response(
      const http::request<http::string_body>& req) const;
  bool host_allowed(std::string_view host) const;
  void write_metrics(std::string& out) const;
  bool authorized(const http::request<http::string_body>& req, const ApiQuery* query) const;
};

namespace {

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

void set_common_headers(Response& res) {
  res.set(http::field::server, "stockpulse");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Content-Security-Policy", kContentSecurityPolicy);
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Frame-Options", "DENY");
}

Response make_response(const Request& req, http::status status, std::string body,
                       std::string_view content_type) {
  Response res{status, req.version()};
  set_common_headers(res);
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response json_response(const Request& req, http::status status, std::string body) {
  return make_response(req, status, std::move(body), "application/json");
}

// One client connection: reads requests, answers them, and turns into a Server-Sent-Events
// stream for /api/stream. All handlers of a session run on its own strand.
//
// Every wait has a deadline of its own timer: the next request (idle_timeout, or header_timeout
// for a new connection), the rest of a request (header_timeout), and each write (write_timeout).
// A deadline that passes, an eviction by the ConnectionLimiter and a live subscription dropped
// by the hub abort the connection: SO_LINGER 0, then close, so the kernel discards unsent data
// at once instead of keeping the socket while a client that does not read holds it open.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server)
      : socket_(std::move(socket)),
        server_(server),
        read_timer_(socket_.get_executor()),
        write_timer_(socket_.get_executor()),
        keepalive_(socket_.get_executor()) {
    beast::error_code ec;
    const auto remote = socket_.remote_endpoint(ec);
    if (!ec) client_ = remote.address().to_string();
  }
  ~Session() {
    if (subscription_) server_.hub.unsubscribe(subscription_);
    server_.limiter.release(id_);
  }

  // Takes a slot of the connection table (possibly evicting an idle connection); false when
  // there is no room, and the socket should be closed.
  bool admit() {
    std::weak_ptr<Session> weak = shared_from_this();
    auto executor = socket_.get_executor();
    id_ = server_.limiter.admit(client_, [weak, executor] {
      net::post(executor, [weak] {
        if (auto self = weak.lock()) self->abort();
      });
    });
    return id_ != 0;
  }

  void run() {
    net::dispatch(socket_.get_executor(),
                  [self = shared_from_this()] { self->await_request(true); });
  }

 private:
  using Timer = net::steady_timer;

  void arm(Timer& timer, std::chrono::milliseconds timeout) {
    timer.expires_after(timeout);
    timer.async_wait([weak = weak_from_this(), &timer](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      // Re-armed or disarmed after this wait completed: not a deadline that passed.
      if (timer.expiry() > Timer::clock_type::now()) return;
      self->abort();
    });
  }
  static void disarm(Timer& timer) { timer.expires_at(Timer::time_point::max()); }

  // Waits for the first byte of the next request.
  void await_request(bool first) {
    if (closed_) return;
    server_.limiter.set_state(id_, ConnectionState::kWaiting);
    if (buffer_.size() > 0) return read_request();  // pipelined: already here
    arm(read_timer_, first ? server_.options.header_timeout : server_.options.idle_timeout);
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->close();
      self->read_request();
    });
  }

  void read_request() {
    if (closed_) return;
    server_.limiter.set_state(id_, ConnectionState::kReading);
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_.options.max_header_bytes));
    parser_->body_limit(server_.options.max_body_bytes);
    arm(read_timer_, server_.options.header_timeout);
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       disarm(self->read_timer_);
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (closed_) return;
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof ||
        ec == net::error::bad_descriptor) {
      return close();
    }
    server_.limiter.set_state(id_, ConnectionState::kServing);
    if (ec) {
      // Oversized or malformed requests get an answer before the connection closes.
      http::status status = http::status::bad_request;
      std::string message = "malformed HTTP request";
      if (ec == http::error::header_limit) {
        status = http::status::request_header_fields_too_large;
        message = "request headers too large";
      } else if (ec == http::error::body_limit) {
        status = http::status::payload_too_large;
        message = "request body too large";
      }
      Request dummy;
      dummy.version(11);
      auto res = json_response(dummy, status, json_error(message));
      res.keep_alive(false);
      server_.responses_4xx.fetch_add(1, std::memory_order_relaxed);
      return send(std::move(res));
    }
    server_.requests.fetch_add(1, std::memory_order_relaxed);
    const Request& req = parser_->get();
    bool start_stream = false;
    bool trusted = false;
    Response res = server_.handle(req, start_stream, trusted);
    if (trusted) server_.limiter.set_trusted(id_);
    const unsigned code = res.result_int();
    if (code >= 500) {
      server_.responses_5xx.fetch_add(1, std::memory_order_relaxed);
    } else if (code >= 400) {
      server_.responses_4xx.fetch_add(1, std::memory_order_relaxed);
    }
    if (start_stream) return start_events();
    if (req.method() == http::verb::head) {
      // Headers only, with the GET body's length: a body here would be read by the client as
      // the start of the next response on a keep-alive connection.
      const bool has_length = res.has_content_length();
      const auto size = res.body().size();
      res.body().clear();
      if (has_length) res.content_length(size);
    }
    send(std::move(res));
  }

  void send(Response res) {
    response_ = std::make_shared<Response>(std::move(res));
    arm(write_timer_, server_.options.write_timeout);
    http::async_write(socket_, *response_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        disarm(self->write_timer_);
                        if (ec || !self->response_->keep_alive()) return self->close();
                        self->response_.reset();
                        self->await_request(false);
                      });
  }

  // ---- Server-Sent Events ---------------------------------------------------------------------

  void start_events() {
    subscription_ = server_.hub.subscribe(client_);
    if (!subscription_) {
      Request dummy;
      dummy.version(11);
      auto res = json_response(dummy, http::status::service_unavailable,
                               json_error("too many live subscribers"));
      res.keep_alive(false);
      return send(std::move(res));
    }
    server_.limiter.set_state(id_, ConnectionState::kStreaming);
    // A small kernel send buffer makes a client that stopped reading show as a pending write
    // after a few hundred KiB of events, not after the several MiB the kernel would otherwise
    // absorb (minutes at a quiet publisher); event frames are small, so readers do not notice.
    beast::error_code ignored;
    socket_.set_option(net::socket_base::send_buffer_size(kStreamSendBufferBytes), ignored);
    // The head is written by hand: no Content-Length and no chunking, so the body is the stream
    // of frames until either side closes (valid for HTTP/1.1 responses, and what EventSource
    // expects). "retry" tells EventSource to reconnect after 1 s if the stream breaks.
    out_ = fmt::format(
        "HTTP/1.1 200 OK\r\nServer: stockpulse\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-store\r\nConnection: close\r\nX-Accel-Buffering: no\r\n"
        "X-Content-Type-Options: nosniff\r\nContent-Security-Policy: {}\r\n"
        "Referrer-Policy: no-referrer\r\n\r\nretry: 1000\n: connected\n\n",
        kContentSecurityPolicy);
    std::weak_ptr<Session> weak = shared_from_this();
    auto executor = socket_.get_executor();
    subscription_->set_notify([weak, executor] {
      net::post(executor, [weak] {
        if (auto self = weak.lock()) self->flush_events();
      });
    });
    watch_for_close();
    schedule_keepalive();
    flush_events();
  }

  // The client never sends anything on an event stream; a completed read means it closed.
  void watch_for_close() {
    socket_.async_read_some(net::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->close();
                              self->watch_for_close();
                            });
  }

  void schedule_keepalive() {
    keepalive_.expires_after(server_.options.sse_keepalive);
    keepalive_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->closed_) return;
      self->keepalive_due_ = true;
      self->flush_events();
      self->schedule_keepalive();
    });
  }

  void flush_events() {
    if (closed_ || !subscription_) return;
    // Dropped (too far behind, or stalled and replaced): close now, even with a write pending;
    // closing cancels it.
    if (subscription_->dropped()) return abort();
    if (writing_) return;
    if (!subscription_->take(out_)) return abort();
    if (out_.empty() && keepalive_due_) out_ = ": keep-alive\n\n";
    keepalive_due_ = false;
    if (out_.empty()) return;
    writing_ = true;
    subscription_->write_started();
    arm(write_timer_, server_.options.write_timeout);
    net::async_write(socket_, net::buffer(out_),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       disarm(self->write_timer_);
                       self->writing_ = false;
                       self->out_.clear();
                       if (self->subscription_) self->subscription_->write_finished();
                       if (ec) return self->close();
                       self->flush_events();
                     });
  }

  void shut() {
    closed_ = true;
    keepalive_.cancel();
    disarm(read_timer_);
    disarm(write_timer_);
    if (subscription_) {
      server_.hub.unsubscribe(subscription_);
      subscription_.reset();
    }
    server_.limiter.release(id_);
  }

  void close() {
    if (closed_) return;
    shut();
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  // Closes with a reset: unsent data is discarded, so neither this process nor the kernel keeps
  // the connection for a client that does not read.
  void abort() {
    if (closed_) return;
    shut();
    beast::error_code ec;
    socket_.set_option(net::socket_base::linger(true, 0), ec);
    socket_.close(ec);
  }

  tcp::socket socket_;
  HttpServer::Impl& server_;
  std::string client_;
  ConnectionLimiter::Id id_ = 0;
  Timer read_timer_;
  Timer write_timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<Response> response_;
  std::shared_ptr<LiveSubscription> subscription_;
  net::steady_timer keepalive_;
  std::string out_;
  std::array<char, 256> discard_{};
  bool writing_ = false;
  bool keepalive_due_ = false;
  bool closed_ = false;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor->async_accept(net::make_strand(*ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
    if (!ec) {
      auto session = std::make_shared<Session>(std::move(socket), *this);
      // No room: the session (and its socket) is destroyed here. Refusing at once keeps a
      // connection flood from holding memory or threads.
      if (session->admit()) session->run();
    }
    accept();
  });
}

bool HttpServer::Impl::authorized(const Request& req, const ApiQuery* query) const {
  if (options.token.empty()) return true;
  const auto it = req.find(http::field::authorization);
  if (it != req.end()) {
    const std::string_view value = it->value();
    constexpr std::string_view kBearer = "Bearer ";
    if (value.size() > kBearer.size() && value.substr(0, kBearer.size()) == kBearer &&
        token_equals(value.substr(kBearer.size()), options.token)) {
      return true;
    }
  }
  return query && query->access_token && token_equals(*query->access_token, options.token);
}

void HttpServer::Impl::write_metrics(std::string& out) const {
  if (metrics) metrics->write_prometheus(out);
  const double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at).count();
  out += fmt::format(
      "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
      "# TYPE process_resident_memory_bytes gauge\n"
      "process_resident_memory_bytes {}\n"
      "# HELP stockpulse_uptime_seconds Seconds since the dashboard server started.\n"
      "# TYPE stockpulse_uptime_seconds gauge\n"
      "stockpulse_uptime_seconds {:.3f}\n"
      "# HELP stockpulse_server_start_time_seconds Unix time the dashboard server started.\n"
      "# TYPE stockpulse_server_start_time_seconds gauge\n"
      "stockpulse_server_start_time_seconds {:.3f}\n"
      "# HELP stockpulse_http_connections Open HTTP connections (event streams included).\n"
      "# TYPE stockpulse_http_connections gauge\n"
      "stockpulse_http_connections {}\n"
      "# HELP stockpulse_http_connections_rejected_total Connections closed at once because "
      "the connection caps were reached and no idle connection could be evicted.\n"
      "# TYPE stockpulse_http_connections_rejected_total counter\n"
      "stockpulse_http_connections_rejected_total {}\n"
      "# HELP stockpulse_http_connections_evicted_total Idle or partly read connections closed "
      "to make room for new ones.\n"
      "# TYPE stockpulse_http_connections_evicted_total counter\n"
      "stockpulse_http_connections_evicted_total {}\n"
      "# HELP stockpulse_http_requests_total HTTP requests parsed.\n"
      "# TYPE stockpulse_http_requests_total counter\n"
      "stockpulse_http_requests_total {}\n"
      "# HELP stockpulse_http_errors_total HTTP error responses by class.\n"
      "# TYPE stockpulse_http_errors_total counter\n"
      "stockpulse_http_errors_total{{class=\"4xx\"}} {}\n"
      "stockpulse_http_errors_total{{class=\"5xx\"}} {}\n"
      "# HELP stockpulse_live_subscribers Open /api/stream subscribers.\n"
      "# TYPE stockpulse_live_subscribers gauge\n"
      "stockpulse_live_subscribers {}\n"
      "# HELP stockpulse_live_events_published_total Events published to the live hub.\n"
      "# TYPE stockpulse_live_events_published_total counter\n"
      "stockpulse_live_events_published_total {}\n"
      "# HELP stockpulse_live_subscribers_dropped_total Subscribers dropped for falling behind or "
      "for a stalled write.\n"
      "# TYPE stockpulse_live_subscribers_dropped_total counter\n"
      "stockpulse_live_subscribers_dropped_total {}\n"
      "# HELP stockpulse_build_info The build of this binary (labels; the value is always 1).\n"
      "# TYPE stockpulse_build_info gauge\n"
      "stockpulse_build_info{{version=\"{}\",compiler=\"{}\",build_type=\"{}\"}} 1\n",
      resident_bytes(), uptime, start_time_seconds, limiter.open(), limiter.rejected(),
      limiter.evicted(), requests.load(), responses_4xx.load(), responses_5xx.load(),
      hub.subscriber_count(), hub.events_published(), hub.subscribers_dropped(), STOCKPULSE_VERSION,
      STOCKPULSE_COMPILER, STOCKPULSE_BUILD_TYPE);
}

bool HttpServer::Impl::host_allowed(std::string_view host) const {
  // host[:port], or [v6]:port; names are case-insensitive.
  std::string name;
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    name = std::string(host.substr(1, close - 1));
    host.remove_prefix(close + 1);
    if (!host.empty() && host.front() != ':') return false;
  } else {
    const size_t colon = host.find(':');
    name = std::string(host.substr(0, colon));
    host = colon == std::string_view::npos ? std::string_view{} : host.substr(colon);
  }
  if (!host.empty()) {  // ":port"
    host.remove_prefix(1);
    if (host.empty() || host.size() > 5 ||
        host.find_first_not_of("0123456789") != std::string_view::npos) {
      return false;
    }
  }
  if (name.empty()) return false;
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name.back() == '.') name.pop_back();  // "localhost." is the same name
  if (name == "localhost") return true;
  boost::system::error_code ec;
  const auto address = net::ip::make_address(name, ec);
  if (!ec && address.is_loopback()) return true;
  for (const std::string& allowed : options.allowed_hosts) {
    if (allowed.size() == name.size() &&
        std::equal(allowed.begin(), allowed.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
      return true;
    }
  }
  return false;
}

// /api/backtest: the file `stockpulse backtest --json` wrote (it renames a finished file into
// place, so a read never sees half of one). Without one the answer is still 200, with
// "available": false and what to run: the dashboard shows that in its panel (a 404 would also
// put an error in the browser's console on every page load).
Response HttpServer::Impl::backtest_response(const Request& req) const {
  auto unavailable = [&](const std::string& message) {
    std::string body = "{\"available\":false,\"signals\":[],\"message\":";
    append_api_json_string(message, body);
    body += "}";
    return json_response(req, http::status::ok, std::move(body));
  };
  if (options.backtest_file.empty()) {
    return unavailable(
        "no backtest: run `stockpulse backtest --json FILE` and serve with --backtest FILE");
  }
  std::ifstream in(options.backtest_file, std::ios::binary);
  if (!in) {
    return unavailable("no backtest yet: " + options.backtest_file +
                       " does not exist (run `stockpulse backtest --json " + options.backtest_file +
                       "`)");
  }
  std::string body(kMaxBacktestBytes + 1, '\0');
  in.read(body.data(), std::streamsize(body.size()));
  body.resize(size_t(in.gcount()));
  if (body.size() > kMaxBacktestBytes) {
    return json_response(req, http::status::internal_server_error,
                         json_error(fmt::format("{} is larger than {} bytes", options.backtest_file,
                                                kMaxBacktestBytes)));
  }
  return json_response(req, http::status::ok, std::move(body));
}

Response HttpServer::Impl::handle(const Request& req, bool& start_stream, bool& trusted) {
  // HTTP/1.1 requires Host. Without a token the server trusts whoever reaches it on loopback, so
  // it must also make sure the request was meant for a loopback name: a page on another site
  // whose name was re-pointed at 127.0.0.1 (DNS rebinding) sends its own name here.
  const auto host = req.find(http::field::host);
  if (host == req.end() && req.version() >= 11) {
    return json_response(req, http::status::bad_request, json_error("missing Host header"));
  }
  if (options.token.empty()) {
    if (host != req.end() && !host_allowed(host->value())) {
      return json_response(
          req, http::status::bad_request,
          json_error("the Host header names neither a loopback address nor an allowed host "
                     "(serve.allowed_hosts, --allowed-host)"));
    }
    trusted = true;
  } else {
    trusted = authorized(req, nullptr);
  }
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    auto res = json_response(req, http::status::method_not_allowed,
                             json_error("only GET and HEAD are supported"));
    res.set(http::field::allow, "GET, HEAD");
    return res;
  }
  const std::string_view target = req.target();
  if (target.empty() || target.front() != '/') {
    return json_response(req, http::status::bad_request, json_error("bad request target"));
  }
  const size_t qmark = target.find('?');
  const std::string_view path = target.substr(0, qmark);
  const std::string_view query_string =
      qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1);

  auto unauthorized = [&] {
    auto res = json_response(req, http::status::unauthorized,
                             json_error("missing or wrong 'Authorization: Bearer' token"));
    res.set(http::field::www_authenticate, "Bearer");
    return res;
  };

  if (path == "/healthz") {
    auto version = reader.schema_version();
    if (!version) {
      return json_response(req, http::status::service_unavailable,
                           fmt::format("{{\"status\":\"unavailable\",\"error\":{}}}",
                                       json_error(version.error().message)));
    }
    return json_response(
        req, http::status::ok,
        fmt::format("{{\"status\":\"ok\",\"schema_version\":{},\"live_subscribers\":{}}}",
                    version.value(), hub.subscriber_count()));
  }
  if (path == "/metrics") {
    if (!authorized(req, nullptr)) return unauthorized();
    std::string body;
    write_metrics(body);
    return make_response(req, http::status::ok, std::move(body),
                         "text/plain; version=0.0.4; charset=utf-8");
  }
  if (path.starts_with("/api/")) {
    // /api/symbols has parameters of its own (paging, sort, prefix) that the others refuse.
    const bool symbols_route = path == "/api/symbols";
    auto symbols_query = parse_symbols_query(symbols_route ? query_string : std::string_view{});
    if (!symbols_query) {
      return json_response(req, http::status::bad_request, json_error(symbols_query.error()));
    }
    auto query = parse_api_query(symbols_route ? std::string_view{} : query_string);
    if (!query) return json_response(req, http::status::bad_request, json_error(query.error()));
    if (!authorized(req, path == "/api/stream" ? &query.value() : nullptr)) return unauthorized();
    const ApiQuery& q = query.value();
    ServingReader::Json result = Err(ReadError{ReadErrorCode::kInternal, ""});
    if (path == "/api/stream") {
      trusted = true;  // authorized above, by header or access_token
      if (req.method() == http::verb::head) {
        // Headers only: a HEAD never opens a stream.
        Response res{http::status::ok, req.version()};
        set_common_headers(res);
        res.set(http::field::content_type, "text/event-stream");
        res.set(http::field::cache_control, "no-store");
        res.keep_alive(req.keep_alive());
        return res;
      }
      start_stream = true;
      return Response{};
    } else if (path == "/api/symbols") {
      result = reader.symbols(symbols_query.value(), options.symbols_view);
    } else if (path == "/api/sentiment") {
      result = reader.sentiment(q);
    } else if (path == "/api/trends") {
      result = reader.trends(q);
    } else if (path == "/api/candles") {
      result = reader.candles(q);
    } else if (path == "/api/indicators") {
      result = reader.indicators(q);
    } else if (path == "/api/fear-greed") {
      result = reader.fear_greed(q);
    } else if (path == "/api/alerts") {
      result = reader.alerts(q);
    } else if (path == "/api/backtest") {
      return backtest_response(req);
    } else {
      return json_response(req, http::status::not_found, json_error("no such API route"));
    }
    if (result) return json_response(req, http::status::ok, std::move(result).value());
    switch (result.error().code) {
      case ReadErrorCode::kBadRequest:
        return json_response(req, http::status::bad_request, json_error(result.error().message));
      case ReadErrorCode::kUnavailable:
        return json_response(req, http::status::service_unavailable,
                             json_error(result.error().message));
      case ReadErrorCode::kInternal:
        return json_response(req, http::status::internal_server_error,
                             json_error(result.error().message));
    }
  }

  auto file = static_files.load(path);
  if (!file) {
    switch (file.error()) {
      case StaticFileError::kBadPath:
        return make_response(req, http::status::bad_request, "bad path\n",
                             "text/plain; charset=utf-8");
      case StaticFileError::kNotFound:
        return make_response(req, http::status::not_found, "not found\n",
                             "text/plain; charset=utf-8");
      case StaticFileError::kNoRoot:
        return make_response(req, http::status::service_unavailable, kNoFrontEnd,
                             "text/html; charset=utf-8");
    }
  }
  Response res =
      make_response(req, http::status::ok, std::move(file.value().body), file.value().content_type);
  // Vite puts content hashes in asset names, so they never change; index.html must be revalidated.
  res.set(http::field::cache_control,
          path.starts_with("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
  return res;
}

HttpServer::HttpServer(HttpServerOptions options, ServingReader& reader, LiveHub& hub,
                       const MetricsSource* metrics)
    : impl_(std::make_unique<Impl>(std::move(options), reader, hub, metrics)) {
  if (!loopback_only() && impl_->options.token.empty()) {
    throw std::runtime_error(fmt::format(
        "--listen {}: refusing to serve beyond loopback without a token; set STOCKPULSE_TOKEN "
        "(clients then send 'Authorization: Bearer <token>')",
        impl_->options.listen));
  }
  if (impl_->options.threads < 1) impl_->options.threads = 1;
}

HttpServer::~HttpServer() {
  stop();
}

bool HttpServer::loopback_only() const {
  return impl_->listen.address.is_loopback();
}

int HttpServer::port() const {
  return impl_->bound_port.load();
}

void HttpServer::start() {
  if (impl_->running) return;
  Impl& s = *impl_;
  const tcp::endpoint endpoint(s.listen.address, s.listen.port);
  s.ioc = std::make_unique<net::io_context>();
  s.acceptor.emplace(*s.ioc);
  boost::system::error_code ec;
  s.acceptor->open(endpoint.protocol(), ec);
  if (!ec) s.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(endpoint, ec);
  if (!ec) s.acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    s.acceptor.reset();
    s.ioc.reset();
    throw std::runtime_error(
        fmt::format("cannot listen on {}: {}", s.options.listen, ec.message()));
  }
  s.bound_port = s.acceptor->local_endpoint().port();
  if (!loopback_only()) {
    fmt::print(stderr,
               "warning: the dashboard listens on {} beyond loopback; /api and /metrics require "
               "the STOCKPULSE_TOKEN bearer token, and traffic is not encrypted (put a TLS proxy "
               "in front)\n",
               s.options.listen);
  }
  s.started_at = std::chrono::steady_clock::now();
  s.start_time_seconds =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  s.accept();
  s.running = true;
  for (int i = 0; i < s.options.threads; ++i) {
    s.threads.emplace_back([&s] { s.ioc->run(); });
  }
}

void HttpServer::stop() {
  if (!impl_ || !impl_->running) return;
  Impl& s = *impl_;
  s.ioc->stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  boost::system::error_code ec;
  s.acceptor->close(ec);
  s.acceptor.reset();
  s.ioc.reset();
  s.running = false;
}

}  // namespace stockpulse
