#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace stockpulse {

// One HTTP request for HttpClient::send.
struct HttpRequest {
  std::string method = "GET";  // GET, PUT, POST, DELETE, HEAD
  std::string url;
  std::vector<std::string> headers;    // "Name: value"
  std::string_view body;               // sent as is (PUT/POST); must outlive send()
  std::FILE* body_file = nullptr;      // or streamed from this file (body_size bytes from its
  uint64_t body_size = 0;              //   current position); takes precedence over body
  std::FILE* response_file = nullptr;  // when set, the response body goes here, not to body
  std::string user;                    // basic auth / SigV4 access key; never logged
  std::string password;                // basic auth password / SigV4 secret; never logged
  std::string aws_sigv4;               // e.g. "aws:amz:us-east-1:s3": libcurl signs the request
  int64_t connect_timeout_ms = 2000;
  int64_t timeout_ms = 60000;  // the whole request; 0 = none (then rely on the stall limit)
  // A transfer slower than stall_bytes_per_s for stall_seconds is aborted (0 = no such limit):
  // for bodies of any size, where a total timeout would cut a large but healthy transfer.
  int64_t stall_bytes_per_s = 0;
  int64_t stall_seconds = 0;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased

  // The first header of that (lower-case) name, or "".
  std::string header(std::string_view name) const;
};

// A small blocking HTTP client over one libcurl easy handle: the transport of the ClickHouse
// serving store and of the S3 object store. The handle keeps its connection alive between
// requests, so a stream of inserts reuses one TCP connection.
// Transport failures (refused, timeout, reset) are returned as error text; any HTTP status is a
// value in the response, for the caller to judge.
// Lifecycle: construct, send() any number of times, destroy. libcurl's global state is set up
// once per process on first use. Thread-safety: not thread-safe; one thread per client.
class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Result<HttpResponse, std::string> send(const HttpRequest& request);

  // Percent-encodes everything outside RFC 3986's unreserved set (A-Z a-z 0-9 - _ . ~); with
  // keep_slash, '/' stays as is (object keys in URL paths).
  static std::string url_encode(std::string_view s, bool keep_slash = false);

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
};

}  // namespace stockpulse
