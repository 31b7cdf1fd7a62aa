#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "sink/http_client.h"
#include "sink/object_store.h"

namespace stockpulse {

struct S3Options {
  std::string endpoint = "https://s3.amazonaws.com";  // scheme://host[:port]
  std::string region = "us-east-1";
  std::string bucket;
  // Path-style (endpoint/bucket/key: MinIO, Ceph RGW, local gateways) or virtual-hosted style
  // (bucket.host/key: AWS).
  bool path_style = true;
  std::string access_key;  // never logged
  std::string secret_key;  // never logged
  // Files larger than this go up as multipart uploads of part_size parts (S3's minimum part is
  // 5 MiB, except the last).
  uint64_t multipart_threshold = 64ull << 20;
  uint64_t part_size = 16ull << 20;
  int max_attempts = 5;  // per request, for transient failures
  std::chrono::milliseconds initial_backoff{200};
  // Per request; downloads to a file (get_file) have no total limit but are abandoned, and
  // retried, when they move under 1 KiB/s for this long.
  int64_t timeout_ms = 120000;

  // Bucket and endpoint settings from the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
  // AWS_REGION (or AWS_DEFAULT_REGION), AWS_ENDPOINT_URL (then path-style by default).
  static S3Options from_env();
};

// An S3 bucket through libcurl, signed with AWS Signature V4 by libcurl (CURLOPT_AWS_SIGV4),
// every request carrying x-amz-content-sha256 (the SHA-256 of its payload, computed here).
// Keys are percent-encoded per segment ('=' of the hive folders becomes %3D), as SigV4's
// canonical URI wants, so Ceph RGW and AWS agree with the signature. Large files use multipart
// upload (aborted on failure). Transient failures (network, 5xx, throttling) are retried with
// exponential back-off; a refused credential (403 SignatureDoesNotMatch/InvalidAccessKeyId/
// AccessDenied) is returned at once as kAuth with a message naming the environment variables.
// Lifecycle: construct, use, destroy; no connection at construction.
// Thread-safety: not thread-safe (one HttpClient); one thread per instance.
class S3ObjectStore final : public ObjectStore {
 public:
  explicit S3ObjectStore(S3Options options);

  Result<ObjectStoreOk, ObjectStoreError> put_file(const std::string& key,
                                                   const std::string& path) override;
  Result<ObjectStoreOk, ObjectStoreError> put(const std::string& key,
                                              const std::string& bytes) override;
  Result<std::string, ObjectStoreError> get(const std::string& key) override;
  Result<uint64_t, ObjectStoreError> get_file(const std::string& key,
                                              const std::string& path) override;
  Result<std::vector<ObjectInfo>, ObjectStoreError> list(const std::string& prefix) override;
  Result<ObjectStoreOk, ObjectStoreError> remove(const std::string& key) override;
  // One cheap signed request (list at most one key under prefix): checks endpoint, bucket and
  // credentials at start-up.
  Result<ObjectStoreOk, ObjectStoreError> probe(const std::string& prefix);
  // Creates the bucket (succeeds if this account already owns it).
  Result<ObjectStoreOk, ObjectStoreError> create_bucket();

  const S3Options& options() const { return options_; }
  uint64_t retries() const { return retries_; }
  uint64_t multipart_uploads() const { return multipart_uploads_; }

 private:
  // method on key ("" for the bucket) with a canonical (sorted, encoded) query string. With
  // response_file, a successful response's body is written there (emptied before each attempt)
  // instead of into HttpResponse::body.
  Result<HttpResponse, ObjectStoreError> request(const std::string& method, const std::string& key,
                                                 const std::string& query, const std::string& body,
                                                 std::FILE* response_file = nullptr);
  std::string url(const std::string& key, const std::string& query) const;
  Result<ObjectStoreOk, ObjectStoreError> put_multipart(const std::string& key,
                                                        const std::string& path, uint64_t size);

  S3Options options_;
  HttpClient http_;
  uint64_t retries_ = 0;
  uint64_t multipart_uploads_ = 0;
};

}  // namespace stockpulse
