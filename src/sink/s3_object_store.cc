#include "sink/s3_object_store.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

namespace stockpulse {
namespace {

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i)
    fmt::format_to(std::back_inserter(out), "{:02x}", digest[i]);
  return out;
}

std::string xml_unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const size_t semi = s.find(';', i);
    if (semi == std::string_view::npos) {
      out += s.substr(i);
      break;
    }
    const std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "quot")
      out += '"';
    else if (ent == "amp")
      out += '&';
    else if (ent == "lt")
      out += '<';
    else if (ent == "gt")
      out += '>';
    else if (ent == "apos")
      out += '\'';
    else
      out += s.substr(i, semi - i + 1);
    i = semi;
  }
  return out;
}

// The text of every <tag>...</tag> in xml, in order. S3's answers are flat enough for this.
std::vector<std::string> xml_all(std::string_view xml, std::string_view tag, bool unescape = true) {
  std::vector<std::string> out;
  const std::string open = fmt::format("<{}>", tag), close = fmt::format("</{}>", tag);
  size_t pos = 0;
  while ((pos = xml.find(open, pos)) != std::string_view::npos) {
    pos += open.size();
    const size_t end = xml.find(close, pos);
    if (end == std::string_view::npos) break;
    const std::string_view inner = xml.substr(pos, end - pos);
    out.push_back(unescape ? xml_unescape(inner) : std::string(inner));
    pos = end + close.size();
  }
  return out;
}

std::string xml_first(std::string_view xml, std::string_view tag) {
  auto all = xml_all(xml, tag);
  return all.empty() ? std::string() : all.front();
}

// Truncates a file being written to empty and rewinds it (before each attempt of a download).
bool empty_file(std::FILE* f) {
  return std::fflush(f) == 0 && ::ftruncate(::fileno(f), 0) == 0 && std::fseek(f, 0, SEEK_SET) == 0;
}

// Up to `limit` bytes from the start of a file being written.
std::string file_head(std::FILE* f, size_t limit) {
  std::string out;
  if (std::fflush(f) != 0) return out;
  out.resize(limit);
  const ssize_t n = ::pread(::fileno(f), out.data(), limit, 0);
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

ObjectStoreError classify(const HttpResponse& r, const std::string& what) {
  const std::string code = xml_first(r.body, "Code");
  const std::string msg =
      fmt::format("{}: HTTP {}{}{}", what, r.status, code.empty() ? "" : " ", code);
  if (r.status == 403 || r.status == 401) {
    return {ObjectStoreErrorKind::kAuth,
            msg +
                " — S3 refused the credentials; check AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY (and the region)"};
  }
  if (r.status == 404) return {ObjectStoreErrorKind::kNotFound, msg};
  if (r.status >= 500 || r.status == 429 || code == "SlowDown" || code == "RequestTimeout") {
    return {ObjectStoreErrorKind::kTransient, msg};
  }
  return {ObjectStoreErrorKind::kOther, msg};
}

}  // namespace

S3Options S3Options::from_env() {
  S3Options o;
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  o.access_key = env("AWS_ACCESS_KEY_ID");
  o.secret_key = env("AWS_SECRET_ACCESS_KEY");
  if (std::string r = env("AWS_REGION"); !r.empty()) {
    o.region = r;
  } else if (std::string d = env("AWS_DEFAULT_REGION"); !d.empty()) {
    o.region = d;
  }
  if (std::string e = env("AWS_ENDPOINT_URL"); !e.empty()) {
    o.endpoint = e;
    o.path_style = true;
  } else {
    o.path_style = false;
  }
  return o;
}

S3ObjectStore::S3ObjectStore(S3Options options) : options_(std::move(options)) {
  while (!options_.endpoint.empty() && options_.endpoint.back() == '/')
    options_.endpoint.pop_back();
  if (options_.part_size < (5ull << 20)) options_.part_size = 5ull << 20;  // S3's minimum
  if (options_.max_attempts < 1) options_.max_attempts = 1;
}

std::string S3ObjectStore::url(const std::string& key, const std::string& query) const {
  // Each key segment percent-encoded once ('=' -> %3D, ' ' -> %20), '/' kept: the canonical URI
  // of SigV4 for S3, which libcurl signs as given.
  const std::string path = HttpClient::url_encode(key, /*keep_slash=*/true);
  std::string u;
  if (options_.path_style) {
    u = fmt::format("{}/{}", options_.endpoint, options_.bucket);
    if (!key.empty()) u += "/" + path;
  } else {
    const size_t scheme = options_.endpoint.find("://");
    const size_t host_at = scheme == std::string::npos ? 0 : scheme + 3;
    u = options_.endpoint.substr(0, host_at) + options_.bucket + "." +
        options_.endpoint.substr(host_at) + "/" + path;
  }
  if (!query.empty()) u += "?" + query;
  return u;
}

Result<HttpResponse, ObjectStoreError> S3ObjectStore::request(const std::string& method,
                                                              const std::string& key,
                                                              const std::string& query,
                                                              const std::string& body,
                                                              std::FILE* response_file) {
  HttpRequest req;
  req.method = method;
  req.url = url(key, query);
  req.body = body;
  req.response_file = response_file;
  req.user = options_.access_key;
  req.password = options_.secret_key;
  req.aws_sigv4 = "aws:amz:" + options_.region + ":s3";
  req.timeout_ms = options_.timeout_ms;
  if (response_file) {
    // A download's size is the object's, which may be any: no total timeout, but a transfer
    // that stalls (under 1 KiB/s for the timeout's length) is abandoned and retried.
    req.timeout_ms = 0;
    req.stall_bytes_per_s = 1024;
    req.stall_seconds = std::max<int64_t>(1, options_.timeout_ms / 1000);
  }
  // Signed by libcurl as one of the x-amz-* headers; S3 checks the payload against it.
  req.headers.push_back("x-amz-content-sha256: " + sha256_hex(body));
  const std::string what = method + " s3://" + options_.bucket + "/" + key;
  auto backoff = options_.initial_backoff;
  ObjectStoreError last{ObjectStoreErrorKind::kTransient, what + ": not attempted"};
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    if (attempt > 1) {
      ++retries_;
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
    if (response_file && !empty_file(response_file)) {
      return Err{
          ObjectStoreError{ObjectStoreErrorKind::kOther, what + ": cannot write the local file"}};
    }
    auto r = http_.send(req);
    if (!r.ok()) {
      last = {ObjectStoreErrorKind::kTransient, r.error()};
      continue;
    }
    if (r.value().status >= 200 && r.value().status < 300) return std::move(r.value());
    // An error's XML went to the file: read its start back to classify it.
    if (response_file) r.value().body = file_head(response_file, 64 << 10);
    last = classify(r.value(), what);
    if (last.kind != ObjectStoreErrorKind::kTransient) return Err{std::move(last)};
  }
  return Err{std::move(last)};
}

Result<ObjectStoreOk, ObjectStoreError> S3ObjectStore::probe(const std::string& prefix) {
  auto r =
      request("GET", "", "list-type=2&max-keys=1&prefix=" + HttpClient::url_encode(prefix), "");
  if (!r.ok()) return Err{r.error()};
  return ObjectStoreOk{};
}

Result<ObjectStoreOk, ObjectStoreError> S3ObjectStore::create_bucket() {
  auto r = request("PUT", "", "", "");
  if (r.ok()) return ObjectStoreOk{};
  // Already ours: fine (RGW answers 200 again; AWS outside us-east-1 answers 409).
  if (r.error().message.find("BucketAlreadyOwnedByYou") != std::string::npos) {
    return ObjectStoreOk{};
  }
  return Err{r.error()};
}

Result<ObjectStoreOk, ObjectStoreError> S3ObjectStore::put(const std::string& key,
                                                           const std::string& bytes) {
  auto r = request("PUT", key, "", bytes);
  if (!r.ok()) return Err{r.error()};
  return ObjectStoreOk{};
}

namespace {

Result<std::string, ObjectStoreError> read_range(const std::string& path, uint64_t offset,
                                                 uint64_t size) {
  std::ifstream in(path, std::ios::binary);
  std::string data(size, '\0');
  if (in) in.seekg(static_cast<std::streamoff>(offset));
  if (!in || !in.read(data.data(), static_cast<std::streamsize>(size))) {
    return Err{ObjectStoreError{ObjectStoreErrorKind::kOther, "cannot read '" + path + "'"}};
  }
  return data;
}

}  // namespace

Result<ObjectStoreOk, ObjectStoreError> S3ObjectStore::put_file(const std::string& key,
                                                                const std::string& path) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) {
    return Err{ObjectStoreError{ObjectStoreErrorKind::kOther,
                                "cannot read '" + path + "': " + ec.message()}};
  }
  if (size > options_.multipart_threshold) return put_multipart(key, path, size);
  // Read whole: the payload is hashed for x-amz-content-sha256 and sent from memory.
  auto data = read_range(path, 0, size);
  if (!data.ok()) return Err{data.error()};
  return put(key, data.value());
}

Result<ObjectStoreOk, ObjectStoreError> S3ObjectStore::put_multipart(const std::string& key,
                                                                     const std::string& path,
                                                                     uint64_t size) {
  // "uploads=" rather than "uploads": libcurl 7.88 signs the query string as written, and the
  // canonical form of a value-less parameter has the '='.
  auto init = request("POST", key, "uploads=", "");
  if (!init.ok()) return Err{init.error()};
  const std::string upload_id = xml_first(init.value().body, "UploadId");
  if (upload_id.empty()) {
    return Err{ObjectStoreError{ObjectStoreErrorKind::kOther,
                                "multipart upload of " + key + ": no UploadId in the answer"}};
  }
  ++multipart_uploads_;
  const std::string id_q = "uploadId=" + HttpClient::url_encode(upload_id);
  auto abort = [&](ObjectStoreError e) -> Result<ObjectStoreOk, ObjectStoreError> {
    // Leaves no orphan parts billed in the bucket; best effort.
    (void)request("DELETE", key, id_q, "");
    return Err{std::move(e)};
  };
  std::string complete = "<CompleteMultipartUpload>";
  int part = 0;
  for (uint64_t offset = 0; offset < size; offset += options_.part_size) {
    ++part;
    const uint64_t n = std::min(options_.part_size, size - offset);
    auto data = read_range(path, offset, n);
    if (!data.ok()) return abort(data.error());
    // Query parameters in canonical (sorted) order: partNumber < uploadId.
    auto r = request("PUT", key, fmt::format("partNumber={}&{}", part, id_q), data.value());
    if (!r.ok()) return abort(r.error());
    const std::string etag = r.value().header("etag");
    complete += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", part, etag);
  }
  complete += "</CompleteMultipartUpload>";
  auto done = request("POST", key, id_q, complete);
  if (!done.ok()) return abort(done.error());
  // S3 may answer 200 with an <Error> body when completion fails late.
  if (done.value().body.find("<Error>") != std::string::npos) {
    return abort(ObjectStoreError{
        ObjectStoreErrorKind::kOther,
        "completing multipart upload of " + key + ": " + xml_first(done.value().body, "Code")});
  }
  return ObjectStoreOk{};
}

Result<std::string, ObjectStoreError> S3ObjectStore::get(const std::string& key) {
  auto r = request("GET", key, "", "");
  if (!r.ok()) return Err{r.error()};
  return std::move(r.value().body);
}

Result<uint64_t, ObjectStoreError> S3ObjectStore::get_file(const std::string& key,
                                                           const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "w+b");  // read too: an error body is read back
  if (!f) {
    return Err{ObjectStoreError{ObjectStoreErrorKind::kOther,
                                "cannot write '" + path + "': " + std::strerror(errno)}};
  }
  auto r = request("GET", key, "", "", f);
  const bool flushed = std::fflush(f) == 0;
  const long size = flushed ? std::ftell(f) : -1;
  const bool closed = std::fclose(f) == 0;
  if (!r.ok()) return Err{r.error()};
  if (!flushed || !closed || size < 0) {
    return Err{ObjectStoreError{ObjectStoreErrorKind::kOther, "cannot write '" + path + "'"}};
  }
  return static_cast<uint64_t>(size);
}

Result<ObjectStoreOk, ObjectStoreError> S3ObjectStore::remove(const std::string& key) {
  auto r = request("DELETE", key, "", "");
  if (!r.ok()) return Err{r.error()};
  return ObjectStoreOk{};
}

Result<std::vector<ObjectInfo>, ObjectStoreError> S3ObjectStore::list(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  std::string token;
  for (;;) {
    // Parameters sorted by name, values fully encoded: the canonical query SigV4 signs.
    std::string q;
    if (!token.empty()) q += "continuation-token=" + HttpClient::url_encode(token) + "&";
    q += "list-type=2&prefix=" + HttpClient::url_encode(prefix);
    auto r = request("GET", "", q, "");
    if (!r.ok()) return Err{r.error()};
    const std::string& body = r.value().body;
    for (const std::string& c : xml_all(body, "Contents", /*unescape=*/false)) {
      ObjectInfo info;
      info.key = xml_first(c, "Key");
      info.size = std::strtoull(xml_first(c, "Size").c_str(), nullptr, 10);
      out.push_back(std::move(info));
    }
    if (xml_first(body, "IsTruncated") != "true") break;
    token = xml_first(body, "NextContinuationToken");
    if (token.empty()) break;
  }
  return out;
}

}  // namespace stockpulse
