#include "sink/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace stockpulse {
namespace {

// curl_global_init is not thread-safe and must run before any handle exists; once per process.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("libcurl: global initialisation failed");
    }
  });
}

size_t write_to_string(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t write_to_file(char* data, size_t size, size_t n, void* user) {
  return std::fwrite(data, size, n, static_cast<std::FILE*>(user)) * size;
}

struct BodyReader {
  std::string_view rest;
  std::FILE* file = nullptr;
  uint64_t file_left = 0;
};

size_t read_body(char* buf, size_t size, size_t n, void* user) {
  auto* r = static_cast<BodyReader*>(user);
  const size_t want = size * n;
  if (r->file) {
    const size_t take = static_cast<size_t>(std::min<uint64_t>(want, r->file_left));
    const size_t got = std::fread(buf, 1, take, r->file);
    r->file_left -= got;
    if (got < take) return CURL_READFUNC_ABORT;  // the file shrank under us
    return got;
  }
  const size_t take = std::min(want, r->rest.size());
  std::memcpy(buf, r->rest.data(), take);
  r->rest.remove_prefix(take);
  return take;
}

size_t collect_header(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(user);
  std::string_view line(data, size * n);
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    headers->emplace_back(std::move(name), std::string(value));
  } else if (line.starts_with("HTTP/")) {
    // A new response (after a 100 Continue or a redirect): keep only the last one's headers.
    headers->clear();
  }
  return size * n;
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

struct HttpClient::Handle {
  CURL* curl = nullptr;
};

HttpClient::HttpClient() : handle_(std::make_unique<Handle>()) {
  init_curl_once();
  handle_->curl = curl_easy_init();
  if (!handle_->curl) throw std::runtime_error("libcurl: cannot create a handle");
}

HttpClient::~HttpClient() {
  curl_easy_cleanup(handle_->curl);
}

Result<HttpResponse, std::string> HttpClient::send(const HttpRequest& request) {
  CURL* c = handle_->curl;
  // Reset between requests so no option of the previous one leaks into this one; the connection
  // cache survives a reset.
  curl_easy_reset(c);
  HttpResponse response;
  BodyReader reader{request.body, request.body_file, request.body_size};
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout_ms));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_ms));
  if (request.stall_bytes_per_s > 0 && request.stall_seconds > 0) {
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(request.stall_bytes_per_s));
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(request.stall_seconds));
  }
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);
  if (request.response_file) {
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_to_file);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, request.response_file);
  } else {
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_to_string);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  }
  const uint64_t body_size = request.body_file ? request.body_size : request.body.size();
  const bool has_body = request.method == "PUT" || request.method == "POST";
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (has_body) {
    // UPLOAD (PUT semantics) streams through the read callback with a known length; POST is the
    // same transfer with the method renamed.
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(c, CURLOPT_READDATA, &reader);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body_size));
    if (request.method == "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "POST");
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_slist* headers = nullptr;
  for (const std::string& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  // "Expect: 100-continue" costs a round trip per upload and some servers answer it slowly.
  // Not with SigV4: libcurl 7.88 signs every custom header, including this empty one it then
  // does not send, and the server's signature would differ.
  if (request.aws_sigv4.empty()) headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  if (!request.user.empty() || !request.password.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, request.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, request.password.c_str());
  }
  if (!request.aws_sigv4.empty()) {
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, request.aws_sigv4.c_str());
  } else if (!request.user.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
  }
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
  if (rc != CURLE_OK) {
    std::string msg = request.method + " " + request.url + ": ";
    msg += error[0] ? error : curl_easy_strerror(rc);
    return Err{std::move(msg)};
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

std::string HttpClient::url_encode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  for (unsigned char ch : s) {
    const bool alnum =
        (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
    if (alnum || ch == '-' || ch == '_' || ch == '.' || ch == '~' || (keep_slash && ch == '/')) {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

}  // namespace stockpulse
