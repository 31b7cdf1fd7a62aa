// The HTTP server under hostile or broken clients (issue #15): event-stream clients that stop
// reading, idle and slow sockets, one client taking every connection, HEAD framing, and Host
// checks against DNS rebinding. Real server, real sockets on 127.0.0.0/8; timeouts in the tests
// are generous bounds for "it eventually happens", never measurements.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "serve/http_server.h"
#include "serve/live_hub.h"
#include "serve/sqlite_serving_reader.h"
#include "serve/tests/test_support.h"
#include "sink/serving_store.h"

namespace stockpulse {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A blocking POSIX client socket with bounded waits (Asio's synchronous reads ignore
// SO_RCVTIMEO, so a server that never answers would hang the test).
class Client {
 public:
  // `from`: the local address to connect from (any of 127.0.0.0/8 is loopback on Linux), so a
  // test can be several clients. `rcvbuf` > 0 shrinks the receive buffer before connecting.
  Client(int port, const char* from = "127.0.0.1", int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, from, &local.sin_addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  bool send(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads what arrives within `timeout`, until `enough` holds for the bytes so far. Sets closed()
  // on EOF or reset.
  std::string read_until(const std::function<bool(const std::string&)>& enough,
                         std::chrono::milliseconds timeout) {
    std::string got;
    const auto deadline = Clock::now() + timeout;
    char buf[65536];
    while (!enough(got) && !closed_) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left <= 0ms) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }

  // One complete response (Content-Length framed) or whatever came before close or timeout.
  std::string read_response(std::chrono::milliseconds timeout = 20s) {
    return read_until(
        [](const std::string& s) {
          const size_t head = s.find("\r\n\r\n");
          if (head == std::string::npos) return false;
          const size_t cl = s.find("Content-Length: ");
          if (cl == std::string::npos || cl > head) return true;
          return s.size() >= head + 4 + std::stoul(s.substr(cl + 16));
        },
        timeout);
  }

  // Drains until the server closes the connection (EOF or reset); false if it stays open.
  bool wait_closed(std::chrono::milliseconds timeout) {
    read_until([](const std::string&) { return false; }, timeout);
    return closed_;
  }

  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

int status_of(const std::string& response) {
  if (response.size() < 12 || !response.starts_with("HTTP/1.")) return 0;
  return std::stoi(response.substr(9, 3));
}

std::string get(const std::string& target, const std::string& host = "127.0.0.1",
                const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n" + extra + "\r\n";
}

class HttpHardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = (dir_.path() / "serving.db").string();
    open_serving_store("sqlite:" + db_);
    reader_ = std::make_unique<SqliteServingReader>(db_);
    options_.listen = "127.0.0.1:0";
    options_.web_root = dir_.path().string();
  }

  void start() {
    hub_ = std::make_unique<LiveHub>(hub_options_);
    server_ = std::make_unique<HttpServer>(options_, *reader_, *hub_, nullptr);
    server_->start();
    port_ = server_->port();
  }

  // The status of one request on a fresh connection (0: no answer within 20 s).
  int status(const std::string& raw, const char* from = "127.0.0.1") {
    Client c(port_, from);
    if (!c.connected() || !c.send(raw)) return 0;
    return status_of(c.read_response());
  }

  // stockpulse_http_connections as /metrics reports it (the asking connection included).
  long open_connections() {
    Client c(port_);
    c.send(get("/metrics", "127.0.0.1", "Connection: close\r\n"));
    const std::string r = c.read_response();
    const size_t at = r.find("\nstockpulse_http_connections ");
    return at == std::string::npos ? -1 : std::stol(r.substr(at + 29));
  }

  bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout = 30s) {
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }

  testing::TempDir dir_;
  std::string db_;
  std::unique_ptr<SqliteServingReader> reader_;
  HttpServerOptions options_;
  LiveHubOptions hub_options_;
  std::unique_ptr<LiveHub> hub_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

const std::string kStream = get("/api/stream", "127.0.0.1", "Accept: text/event-stream\r\n");

// Frames of ~256 KiB, so a client that does not read fills the socket buffers quickly.
std::string big_event() {
  return "\"" + std::string(256 * 1024, 'x') + "\"";
}

// Item 1: event-stream clients that never read must neither keep their sockets nor their
// subscriber slots; a real dashboard gets in.
TEST_F(HttpHardeningTest, StalledStreamReadersAreReplacedByNewSubscribers) {
  hub_options_.max_subscribers = 4;
  hub_options_.max_buffered_bytes = 256 << 20;  // the hub's overflow drop is not what is tested
  hub_options_.evict_stalled_after = 500ms;
  options_.write_timeout = 120s;  // nor the write timeout
  start();
  std::vector<std::unique_ptr<Client>> stalled;
  for (int i = 0; i < 4; ++i) {
    stalled.push_back(std::make_unique<Client>(port_, "127.0.0.1", 4096));
    ASSERT_TRUE(stalled.back()->send(kStream));
  }
  ASSERT_TRUE(wait_for([&] { return hub_->subscriber_count() == 4; }));
  // Fill their socket buffers until the server's writes to them stall.
  for (int i = 0; i < 48; ++i) hub_->publish("big", big_event());

  // A dashboard that reads gets a stream (before: 503 "too many live subscribers").
  std::string got;
  ASSERT_TRUE(wait_for(
      [&] {
        Client c(port_);
        c.send(kStream);
        got = c.read_until(
            [](const std::string& s) { return s.find("\r\n\r\n") != std::string::npos; }, 20s);
        if (status_of(got) != 200) return false;
        hub_->publish("alert", "{\"n\":1}");
        got += c.read_until(
            [](const std::string& s) { return s.find("data: {\"n\":1}") != std::string::npos; },
            20s);
        return got.find("data: {\"n\":1}") != std::string::npos;
      },
      60s))
      << got;
  // The stalled clients that were replaced are closed, not just unsubscribed.
  int closed = 0;
  for (auto& c : stalled) closed += c->wait_closed(1s) ? 1 : 0;
  EXPECT_GE(closed, 1);
}

// Item 1: a stream client that stops reading is closed within the write timeout, whether or not
// the hub dropped it for falling behind (before: dropped clients kept their sockets forever,
// because a pending raw-socket write had no deadline and kept the session from closing).
TEST_F(HttpHardeningTest, StreamClientsThatStopReadingAreClosed) {
  options_.write_timeout = 1s;
  hub_options_.max_buffered_bytes = 2 << 20;
  start();
  std::vector<std::unique_ptr<Client>> stalled;
  for (int i = 0; i < 3; ++i) {
    stalled.push_back(std::make_unique<Client>(port_, "127.0.0.1", 4096));
    ASSERT_TRUE(stalled.back()->send(kStream));
  }
  ASSERT_TRUE(wait_for([&] { return hub_->subscriber_count() == 3; }));
  for (int i = 0; i < 24; ++i) hub_->publish("big", big_event());
  EXPECT_TRUE(wait_for([&] { return open_connections() == 1; }, 60s))
      << "connections still open: " << open_connections();
  EXPECT_EQ(hub_->subscriber_count(), 0u);
  for (auto& c : stalled) EXPECT_TRUE(c->wait_closed(30s));
}

// Item 2: idle sockets and slow senders, more than every cap, do not keep out real requests.
TEST_F(HttpHardeningTest, IdleAndSlowSocketsDoNotStarveRealRequests) {
  options_.max_connections = 32;
  options_.max_connections_per_client = 24;
  options_.header_timeout = 120s;  // eviction, not the timeout, must make room
  options_.idle_timeout = 120s;
  start();
  std::vector<std::unique_ptr<Client>> hogs;
  for (int i = 0; i < 40; ++i) hogs.push_back(std::make_unique<Client>(port_));
  for (int i = 0; i < 20; ++i) {
    hogs.push_back(std::make_unique<Client>(port_));
    hogs.back()->send("GET /healthz HTTP/1.1\r\nHo");  // a slow sender, mid-header
  }
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(status(get("/healthz", "127.0.0.1", "Connection: close\r\n")), 200) << i;
  }
  // Another address gets in as well.
  EXPECT_EQ(status(get("/healthz", "127.0.0.1", "Connection: close\r\n"), "127.0.0.2"), 200);
}

// Item 2: one client's flood evicts its own connections (its cap), and a third client's request
// takes the slot of the client holding the most, not of a small one.
TEST_F(HttpHardeningTest, OneClientCannotTakeAnotherClientsConnections) {
  options_.max_connections = 16;
  options_.max_connections_per_client = 10;
  options_.header_timeout = 120s;
  options_.idle_timeout = 120s;
  start();
  std::vector<std::unique_ptr<Client>> other;  // idle, never sent a byte
  for (int i = 0; i < 6; ++i) other.push_back(std::make_unique<Client>(port_, "127.0.0.3"));
  ASSERT_TRUE(wait_for([&] { return open_connections() == 7; }));
  std::vector<std::unique_ptr<Client>> flood;
  for (int i = 0; i < 50; ++i) flood.push_back(std::make_unique<Client>(port_, "127.0.0.2"));
  EXPECT_EQ(status(get("/healthz", "127.0.0.1", "Connection: close\r\n"), "127.0.0.4"), 200);
  for (auto& c : other) {
    ASSERT_TRUE(c->send(get("/healthz", "127.0.0.1", "Connection: close\r\n")));
    EXPECT_EQ(status_of(c->read_response()), 200);
  }
}

// Item 2: an authorized client's idle keep-alive connections outlast unauthorized ones.
TEST_F(HttpHardeningTest, AuthorizedKeepAliveConnectionsOutlastUnauthorizedOnes) {
  options_.token = "tok";
  options_.max_connections = 16;
  options_.max_connections_per_client = 16;
  options_.header_timeout = 120s;
  options_.idle_timeout = 120s;
  start();
  const std::string authorized = get("/api/symbols", "127.0.0.1", "Authorization: Bearer tok\r\n");
  std::vector<std::unique_ptr<Client>> trusted;
  for (int i = 0; i < 8; ++i) {
    trusted.push_back(std::make_unique<Client>(port_));
    ASSERT_TRUE(trusted.back()->send(authorized));
    ASSERT_EQ(status_of(trusted.back()->read_response()), 200);
  }
  std::vector<std::unique_ptr<Client>> flood;
  for (int i = 0; i < 60; ++i) {
    flood.push_back(std::make_unique<Client>(port_));
    // Requests without the token leave a connection unauthorized.
    if (i % 2) flood.back()->send(get("/api/symbols"));
  }
  for (auto& c : trusted) {
    ASSERT_TRUE(c->send(authorized));
    EXPECT_EQ(status_of(c->read_response()), 200);
  }
}

// Item 2: a request's headers must arrive within header_timeout (before: only the 30 s idle
// timeout, which a byte every few seconds could stretch per request).
TEST_F(HttpHardeningTest, SlowSendersAreClosedAfterTheHeaderTimeout) {
  options_.header_timeout = 1s;
  options_.idle_timeout = 300s;
  start();
  Client slow(port_);
  ASSERT_TRUE(slow.send("GET /healthz HTTP/1.1\r\n"));
  const auto deadline = Clock::now() + 60s;
  bool closed = false;
  while (!closed && Clock::now() < deadline) {
    closed = !slow.send("X") || slow.wait_closed(300ms);
  }
  EXPECT_TRUE(closed);
  // A silent new connection is closed too.
  Client silent(port_);
  EXPECT_TRUE(silent.wait_closed(60s));
}

// Item 4: HEAD answers are headers only, so the next response on the connection is intact; HEAD
// of the stream opens none.
TEST_F(HttpHardeningTest, HeadAnswersCarryNoBody) {
  start();
  for (const char* target :
       {"/healthz", "/api/symbols", "/metrics", "/api/nope", "/nope.js", "/api/stream"}) {
    Client c(port_);
    ASSERT_TRUE(c.send(std::string("HEAD ") + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" +
                       get("/healthz", "127.0.0.1", "Connection: close\r\n")));
    const std::string all = c.read_until([](const std::string&) { return false; }, 20s);
    const size_t head_end = all.find("\r\n\r\n");
    ASSERT_NE(head_end, std::string::npos) << target;
    EXPECT_TRUE(all.substr(head_end + 4).starts_with("HTTP/1.1 200 OK")) << target << ":\n" << all;
    EXPECT_EQ(all.find("{\"status\":\"ok\""), all.rfind("{\"status\":\"ok\"")) << target;
  }
  EXPECT_EQ(hub_->subscriber_count(), 0u);
}

// Item 7: without a token, only loopback Host names (and configured ones) are answered.
TEST_F(HttpHardeningTest, ForeignHostNamesAreRefusedWithoutAToken) {
  options_.allowed_hosts = {"dashboard.internal"};
  start();
  const std::string close = "Connection: close\r\n";
  EXPECT_EQ(status(get("/api/symbols", "attacker.example", close)), 400);
  EXPECT_EQ(status(get("/api/symbols", "attacker.example:8080", close)), 400);
  EXPECT_EQ(status(get("/", "127.0.0.1.attacker.example", close)), 400);
  EXPECT_EQ(status(get("/metrics", "localhost.attacker.example", close)), 400);
  EXPECT_EQ(status(get("/api/symbols", "", close)), 400);
  EXPECT_EQ(status("GET /api/symbols HTTP/1.1\r\nConnection: close\r\n\r\n"), 400);  // no Host
  EXPECT_EQ(status("GET /api/symbols HTTP/1.0\r\n\r\n"), 200);  // 1.0 may omit it
  for (const char* host :
       {"127.0.0.1", "127.0.0.1:8080", "localhost", "LocalHost:80", "127.1.2.3", "[::1]",
        "[::1]:8080", "dashboard.internal", "Dashboard.Internal:8080"}) {
    EXPECT_EQ(status(get("/api/symbols", host, close)), 200) << host;
  }
}

TEST_F(HttpHardeningTest, WithATokenTheTokenDecidesNotTheHost) {
  options_.token = "tok";
  start();
  EXPECT_EQ(status(get("/api/symbols", "attacker.example",
                       "Authorization: Bearer tok\r\nConnection: close\r\n")),
            200);
  EXPECT_EQ(status(get("/api/symbols", "attacker.example", "Connection: close\r\n")), 401);
  EXPECT_EQ(status("GET /api/symbols HTTP/1.1\r\nAuthorization: Bearer tok\r\n\r\n"), 400);
}

}  // namespace
}  // namespace stockpulse
