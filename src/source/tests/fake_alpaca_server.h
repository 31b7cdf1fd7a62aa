#pragma once

// A WebSocket server on 127.0.0.1 that speaks Alpaca's market-data v2 protocol (connected, auth,
// subscribe, bars), in plain ws:// or TLS with a certificate made here with OpenSSL's APIs. Shared
// by the AlpacaStream tests and the `stockpulse produce alpaca` end-to-end tests.
//
// Lifecycle: construct (it listens on a random free port and serves on a thread of its own, one
// connection at a time); the destructor stops it. Thread-safety: port(), connections() and
// received() may be called from any thread.
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "source/alpaca_protocol.h"

namespace stockpulse::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

inline constexpr const char* kKey = "PKTEST-KEY-1234567890";
inline constexpr const char* kSecret = "SECRET-abcdefghijklmnopqrstuvwxyz";

inline std::string bar_json(const char* symbol, const char* t, double close) {
  return std::string("{\"T\":\"b\",\"S\":\"") + symbol + "\",\"o\":" + std::to_string(close - 1) +
         ",\"h\":" + std::to_string(close + 1) + ",\"l\":" + std::to_string(close - 2) +
         ",\"c\":" + std::to_string(close) + ",\"v\":1200,\"t\":\"" + t +
         "\",\"n\":42,\"vw\":" + std::to_string(close) + "}";
}

// A self-signed certificate for localhost / 127.0.0.1, made with OpenSSL's APIs.
struct TestCertificate {
  std::string cert_pem;
  std::string key_pem;
};

inline TestCertificate make_certificate() {
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, pkey);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, pkey, EVP_sha256());
  auto to_string = [](BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string s(data, static_cast<size_t>(n));
    BIO_free(bio);
    return s;
  };
  BIO* cb = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cb, x);
  BIO* kb = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(kb, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  TestCertificate c{to_string(cb), to_string(kb)};
  X509_free(x);
  EVP_PKEY_free(pkey);
  return c;
}

// What the server does on each connection.
struct Script {
  int subscription_error = 0;            // reply to subscribe with this error code instead
  std::vector<std::string> frames;       // sent after the subscription confirmation
  int drop_first_connection_after = -1;  // frames; then the TCP connection is cut
  bool slow_fragments = false;           // each frame in 3 fragments, 150 ms apart
};

// A WebSocket server in the manner of stream.data.alpaca.markets, one connection at a time.
class FakeAlpacaServer {
 public:
  FakeAlpacaServer(Script script, const TestCertificate* cert)
      : script_(std::move(script)),
        acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    if (cert) {
      tls_ = std::make_unique<ssl::context>(ssl::context::tls_server);
      tls_->use_certificate_chain(net::buffer(cert->cert_pem));
      tls_->use_private_key(net::buffer(cert->key_pem), ssl::context::pem);
    }
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeAlpacaServer() {
    stopping_ = true;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes the blocking accept
    thread_.join();
  }
  int port() const { return port_; }
  int connections() const { return connections_; }
  // Script frames written so far, over all connections.
  int frames_sent() const { return frames_sent_; }
  std::vector<std::string> received() {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  void serve() {
    while (!stopping_) {
      tcp::socket socket(io_);
      beast::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      const int n = ++connections_;
      if (tls_) {
        websocket::stream<beast::ssl_stream<tcp::socket>> ws(std::move(socket), *tls_);
        ws.next_layer().handshake(ssl::stream_base::server, ec);
        if (!ec) talk(ws, n);
      } else {
        websocket::stream<tcp::socket> ws(std::move(socket));
        talk(ws, n);
      }
    }
  }

  template <class Ws>
  void talk(Ws& ws, int connection) {
    beast::error_code ec;
    ws.accept(ec);
    if (ec) return;
    auto send = [&](const std::string& s) { ws.write(net::buffer(s), ec); };
    auto receive = [&]() {
      beast::flat_buffer b;
      ws.read(b, ec);
      std::string s = ec ? "" : beast::buffers_to_string(b.data());
      if (!ec) {
        std::lock_guard lock(mu_);
        received_.push_back(s);
      }
      return s;
    };
    send(R"([{"T":"success","msg":"connected"}])");
    const std::string auth = receive();
    if (ec) return;
    if (auth != alpaca_auth_message(kKey, kSecret)) {
      send(R"([{"T":"error","code":402,"msg":"auth failed"}])");
      ws.close(websocket::close_code::normal, ec);
      return;
    }
    send(R"([{"T":"success","msg":"authenticated"}])");
    receive();
    if (ec) return;
    if (script_.subscription_error) {
      send(R"([{"T":"error","code":)" + std::to_string(script_.subscription_error) +
           R"(,"msg":"insufficient subscription"}])");
    } else {
      send(R"([{"T":"subscription","trades":[],"quotes":[],"bars":["AAPL","MSFT"]}])");
      int sent = 0;
      for (const std::string& f : script_.frames) {
        if (connection == 1 && sent == script_.drop_first_connection_after) {
          beast::get_lowest_layer(ws).close(ec);  // cut, no close frame
          return;
        }
        if (script_.slow_fragments) {
          const size_t third = f.size() / 3;
          ws.text(true);
          ws.write_some(false, net::buffer(f.data(), third), ec);
          std::this_thread::sleep_for(std::chrono::milliseconds(150));
          ws.write_some(false, net::buffer(f.data() + third, third), ec);
          std::this_thread::sleep_for(std::chrono::milliseconds(150));
          ws.write_some(true, net::buffer(f.data() + 2 * third, f.size() - 2 * third), ec);
        } else {
          send(f);
        }
        ++sent;
        ++frames_sent_;
      }
    }
    // Stay connected until the client goes away.
    beast::flat_buffer b;
    while (!ec) ws.read(b, ec), b.consume(b.size());
  }

  Script script_;
  net::io_context io_;
  tcp::acceptor acceptor_;
  std::unique_ptr<ssl::context> tls_;
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> frames_sent_{0};
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::vector<std::string> received_;
  std::thread thread_;
};

}  // namespace stockpulse::testing
