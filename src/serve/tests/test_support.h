#pragma once

// Boost 1.74's Asio uses std::exchange without including <utility>: include it first.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <map>
#include <string>

#include "sink/tests/temp_dir.h"  // TempDir

namespace stockpulse::testing {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// Sends `raw` bytes as they are (so tests can send targets a well-behaved client would not) and
// reads one HTTP response.
inline HttpReply raw_request(int port, const std::string& raw) {
  namespace net = boost::asio;
  namespace http = boost::beast::http;
  net::io_context ioc;
  net::ip::tcp::socket socket(ioc);
  socket.connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  net::write(socket, net::buffer(raw));
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  http::read(socket, buffer, parser);
  HttpReply reply;
  reply.status = static_cast<int>(parser.get().result_int());
  for (const auto& f : parser.get()) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = std::string(f.value());
  }
  reply.body = parser.get().body();
  return reply;
}

inline HttpReply http_get(int port, const std::string& target, const std::string& extra = "") {
  return raw_request(port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra +
                               "Connection: close\r\n\r\n");
}

}  // namespace stockpulse::testing
