// Asio's awaitable.hpp uses std::exchange without including <utility> in Boost 1.74.
#include <utility>

#include "source/alpaca_stream.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <mutex>

#include "source/alpaca_protocol.h"
#include "source/deterministic_rng.h"

namespace stockpulse {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

const char* alpaca_state_name(AlpacaState s) {
  switch (s) {
    case AlpacaState::kIdle:
      return "idle";
    case AlpacaState::kConnecting:
      return "connecting";
    case AlpacaState::kAuthenticating:
      return "authenticating";
    case AlpacaState::kSubscribing:
      return "subscribing";
    case AlpacaState::kStreaming:
      return "streaming";
    case AlpacaState::kBackoff:
      return "backoff";
    case AlpacaState::kFailed:
      return "failed";
    case AlpacaState::kStopped:
      return "stopped";
  }
  return "unknown";
}

namespace {

struct ParsedUrl {
  bool tls = true;
  std::string host;
  std::string port;
  std::string target;
};

std::optional<ParsedUrl> parse_ws_url(const std::string& url) {
  ParsedUrl u;
  std::string rest;
  if (url.rfind("wss://", 0) == 0) {
    rest = url.substr(6);
  } else if (url.rfind("ws://", 0) == 0) {
    u.tls = false;
    rest = url.substr(5);
  } else {
    return std::nullopt;
  }
  const size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const size_t colon = authority.rfind(':');
  if (colon != std::string::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  } else {
    u.host = authority;
    u.port = u.tls ? "443" : "80";
  }
  if (u.host.empty() || u.port.empty()) return std::nullopt;
  return u;
}

}  // namespace

struct AlpacaStream::Impl {
  enum class End : uint8_t { kDropped, kFatal, kStopped };
  struct SessionResult {
    End end;
    bool streamed;
    std::string why;
  };

  Impl(AlpacaStreamOptions o, BarHandler h)
      : options(std::move(o)),
        on_bar(std::move(h)),
        rng(options.seed != 0 ? options.seed
                              : static_cast<uint64_t>(
                                    std::chrono::steady_clock::now().time_since_epoch().count())) {}

  AlpacaStreamOptions options;
  BarHandler on_bar;
  net::io_context io;
  std::unique_ptr<ssl::context> ssl_ctx;
  ParsedUrl url;
  DeterministicRng rng;
  std::atomic<bool> stopping{false};
  std::atomic<AlpacaState> state{AlpacaState::kIdle};
  std::atomic<bool> connected{false};
  std::atomic<uint64_t> connections{0}, reconnects{0}, messages{0}, bars{0}, errors{0},
      malformed{0};
  mutable std::mutex error_mu;
  std::string last_error;
  std::string fatal;
  int64_t next_offset = 0;
  // Only touched on the io thread.
  beast::tcp_stream* current = nullptr;
  net::steady_timer* backoff_timer = nullptr;

  void set_error(std::string e) {
    std::lock_guard lock(error_mu);
    last_error = std::move(e);
  }

  SessionResult dropped(std::string why) {
    errors.fetch_add(1);
    set_error(why);
    return {stopping ? End::kStopped : End::kDropped, false, std::move(why)};
  }

  // Speaks the protocol on an open WebSocket until it fails or stop() closes it.
  template <class Ws>
  net::awaitable<SessionResult> talk(Ws& ws) {
    beast::error_code ec;
    beast::flat_buffer buffer;
    bool streamed = false;
    const std::string auth = alpaca_auth_message(options.key, options.secret);
    const std::string subscribe = alpaca_subscribe_message(options.symbols);
    state = AlpacaState::kAuthenticating;
    for (;;) {
      co_await ws.async_read(buffer, net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        SessionResult r = dropped("connection lost: " + ec.message());
        r.streamed = streamed;
        co_return r;
      }
      messages.fetch_add(1);
      const std::string text = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      AlpacaFrame frame = parse_alpaca_frame(text);
      malformed.fetch_add(static_cast<uint64_t>(frame.malformed));
      for (const AlpacaControl& c : frame.controls) {
        std::string reply;
        if (c.type == "success" && c.msg == "connected") {
          reply = auth;
        } else if (c.type == "success" && c.msg == "authenticated") {
          state = AlpacaState::kSubscribing;
          reply = subscribe;
        } else if (c.type == "subscription") {
          state = AlpacaState::kStreaming;
          connected = true;
          streamed = true;
        } else if (c.type == "error") {
          errors.fetch_add(1);
          const std::string what = std::to_string(c.code) + " " + c.msg;
          set_error("alpaca error " + what);
          switch (c.code) {
            case 402:  // auth failed: retrying with the same keys cannot help
              co_return SessionResult{End::kFatal, streamed,
                                      "Alpaca authentication failed (" + what +
                                          "): check ALPACA_API_KEY and ALPACA_API_SECRET"};
            case 405:  // symbol limit exceeded
            case 409:  // insufficient subscription (e.g. SIP without a plan)
            case 410:  // invalid subscribe action for this feed
              co_return SessionResult{End::kFatal, streamed,
                                      "Alpaca rejected the subscription (" + what + ")"};
            case 400:  // invalid syntax: our message was wrong; nothing to retry
              break;
            default:  // 401, 404 auth timeout, 406 connection limit, 407 slow client, 500, ...
              co_return SessionResult{End::kDropped, streamed, "alpaca error " + what};
          }
        }
        if (!reply.empty()) {
          co_await ws.async_write(net::buffer(reply), net::redirect_error(net::use_awaitable, ec));
          if (ec) co_return dropped("send failed: " + ec.message());
        }
      }
      for (Bar& b : frame.bars) {
        b.position = SourcePosition{options.partition, Offset(next_offset++)};
        bars.fetch_add(1);
        on_bar(std::move(b));
      }
    }
  }

  template <bool kTls>
  net::awaitable<SessionResult> session(const tcp::resolver::results_type& endpoints) {
    using Next = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;
    auto ex = co_await net::this_coro::executor;
    beast::error_code ec;
    std::unique_ptr<websocket::stream<Next>> ws;
    if constexpr (kTls)
      ws = std::make_unique<websocket::stream<Next>>(ex, *ssl_ctx);
    else
      ws = std::make_unique<websocket::stream<Next>>(ex);
    auto& lowest = beast::get_lowest_layer(*ws);
    current = &lowest;
    struct Forget {
      Impl* self;
      ~Forget() { self->current = nullptr; }
    } forget{this};
    lowest.expires_after(std::chrono::milliseconds(options.connect_timeout_ms));
    co_await lowest.async_connect(endpoints, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return dropped("connect to " + url.host + ":" + url.port + ": " + ec.message());
    if constexpr (kTls) {
      // SNI, then verification of the chain and of the host name.
      if (!SSL_set_tlsext_host_name(ws->next_layer().native_handle(), url.host.c_str()))
        co_return dropped("TLS: cannot set SNI");
      ws->next_layer().set_verify_callback(ssl::host_name_verification(url.host));
      co_await ws->next_layer().async_handshake(ssl::stream_base::client,
                                                net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return dropped("TLS handshake with " + url.host + ": " + ec.message());
    }
    lowest.expires_never();
    websocket::stream_base::timeout t;
    t.handshake_timeout = std::chrono::milliseconds(options.connect_timeout_ms);
    t.idle_timeout = std::chrono::milliseconds(options.idle_timeout_ms);
    t.keep_alive_pings = true;  // a silent but healthy connection answers pings
    ws->set_option(t);
    co_await ws->async_handshake(url.host + ":" + url.port, url.target,
                                 net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return dropped("WebSocket handshake: " + ec.message());
    connections.fetch_add(1);
    SessionResult r = co_await talk(*ws);
    connected = false;
    if (r.end == End::kFatal) {
      beast::error_code ignored;
      lowest.close();
      (void)ignored;
    }
    co_return r;
  }

  net::awaitable<void> main_loop() {
    auto ex = co_await net::this_coro::executor;
    tcp::resolver resolver(ex);
    int attempt = 0;
    bool first = true;
    while (!stopping) {
      if (!first) reconnects.fetch_add(1);
      first = false;
      state = AlpacaState::kConnecting;
      beast::error_code ec;
      SessionResult r{End::kDropped, false, {}};
      auto endpoints = co_await resolver.async_resolve(url.host, url.port,
                                                       net::redirect_error(net::use_awaitable, ec));
      if (ec)
        r = dropped("resolve " + url.host + ": " + ec.message());
      else if (url.tls)
        r = co_await session<true>(endpoints);
      else
        r = co_await session<false>(endpoints);
      connected = false;
      if (stopping) break;
      if (r.end == End::kFatal) {
        fatal = r.why;
        set_error(r.why);
        state = AlpacaState::kFailed;
        co_return;
      }
      // A connection that got as far as streaming resets the back-off.
      if (r.streamed) attempt = 0;
      const double base = std::min<double>(
          static_cast<double>(options.max_backoff_ms),
          static_cast<double>(options.initial_backoff_ms) * std::pow(2.0, attempt));
      const double factor = 1.0 + options.jitter * (2 * rng.uniform() - 1);
      attempt = std::min(attempt + 1, 30);
      state = AlpacaState::kBackoff;
      net::steady_timer timer(ex);
      backoff_timer = &timer;
      timer.expires_after(std::chrono::milliseconds(static_cast<int64_t>(base * factor)));
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
      backoff_timer = nullptr;
    }
    state = AlpacaState::kStopped;
  }
};

AlpacaStream::AlpacaStream(AlpacaStreamOptions options, BarHandler on_bar)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(on_bar))) {}

AlpacaStream::~AlpacaStream() = default;

std::optional<std::string> AlpacaStream::run() {
  Impl& im = *impl_;
  AlpacaStreamOptions& o = im.options;
  if (o.key.empty())
    if (const char* k = std::getenv("ALPACA_API_KEY")) o.key = k;
  if (o.secret.empty())
    if (const char* s = std::getenv("ALPACA_API_SECRET")) o.secret = s;
  if (o.key.empty() || o.secret.empty())
    return std::string("ALPACA_API_KEY and ALPACA_API_SECRET must be set");
  if (o.symbols.empty()) return std::string("no symbols to subscribe to");
  const std::string url = o.url.empty() ? std::string("wss://stream.data.alpaca.markets/v2/") +
                                              (o.feed == AlpacaFeed::kSip ? "sip" : "iex")
                                        : o.url;
  auto parsed = parse_ws_url(url);
  if (!parsed) return "not a ws:// or wss:// URL: " + url;
  im.url = *parsed;
  if (im.url.tls) {
    im.ssl_ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    im.ssl_ctx->set_verify_mode(ssl::verify_peer);
    beast::error_code ec;
    if (!o.ca_file.empty())
      im.ssl_ctx->load_verify_file(o.ca_file, ec);
    else
      im.ssl_ctx->set_default_verify_paths(ec);
    if (ec) return "TLS trust store: " + ec.message();
  }
  if (im.stopping) return std::nullopt;
  net::co_spawn(im.io, im.main_loop(), net::detached);
  im.io.run();
  if (!im.fatal.empty()) return im.fatal;
  im.state = AlpacaState::kStopped;
  return std::nullopt;
}

void AlpacaStream::stop() {
  Impl* im = impl_.get();
  im->stopping = true;
  net::post(im->io, [im] {
    if (im->current != nullptr) im->current->close();
    if (im->backoff_timer != nullptr) im->backoff_timer->cancel();
  });
}

AlpacaStats AlpacaStream::stats() const {
  const Impl& im = *impl_;
  AlpacaStats s;
  s.state = im.state.load();
  s.connected = im.connected.load();
  s.connections = im.connections.load();
  s.reconnects = im.reconnects.load();
  s.messages = im.messages.load();
  s.bars = im.bars.load();
  s.errors = im.errors.load();
  s.malformed = im.malformed.load();
  std::lock_guard lock(im.error_mu);
  s.last_error = im.last_error;
  return s;
}

}  // namespace stockpulse
