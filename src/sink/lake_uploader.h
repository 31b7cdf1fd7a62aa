#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "sink/object_store.h"

namespace stockpulse {

// Where `--lake s3://BUCKET/PREFIX` points.
struct S3Location {
  std::string bucket;
  std::string prefix;  // no leading or trailing '/'; may be empty

  // Parses "s3://BUCKET[/PREFIX]"; nullopt-like empty bucket when it is not one.
  static S3Location parse(const std::string& url);
};

struct LakeUploadOptions {
  std::string local_root;  // the LakeWriter root; keys are paths relative to it
  std::string prefix;      // key prefix in the bucket
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{30000};
  // Called from the upload thread with each error, e.g. to log it.
  std::function<void(const std::string&)> on_error;
};

struct LakeUploadCounters {
  uint64_t files_uploaded = 0;
  uint64_t bytes_uploaded = 0;
  uint64_t errors = 0;         // failed attempts
  uint64_t files_failed = 0;   // given up: credentials refused or the local file vanished
  uint64_t files_skipped = 0;  // catch-up files the bucket already holds with the same size
  uint64_t pending = 0;        // queued or in flight
};

// Ships finished lake files to an object store: LakeWriter writes each file locally (as always)
// and reports it (LakeOptions::on_file_written); this uploads it to
//   <prefix>/<table>/date=YYYY-MM-DD/hour=HH/part-....parquet
// — the same relative key, so a re-written file (a retry) overwrites its object and the bucket
// is a lake DuckDB/Spark/Trino read as they read the local one.
// Transient failures are retried with exponential back-off for as long as it takes (the local
// file stays the source of truth); refused credentials are not retried: the file is counted in
// files_failed and last_error() says what to fix.
// Lifecycle: the constructor starts the upload thread; the destructor waits for the queue to
// empty for up to drain_timeout, then stops. Thread-safety: enqueue() and the accessors may be
// called from any thread.
class LakeUploader {
 public:
  LakeUploader(std::unique_ptr<ObjectStore> store, LakeUploadOptions options);
  ~LakeUploader();
  LakeUploader(const LakeUploader&) = delete;
  LakeUploader& operator=(const LakeUploader&) = delete;

  // Queues a file by its path relative to the local root.
  void enqueue(const std::string& relative_path);
  // Queues every *.parquet file under the local root (catch-up after a restart); returns how
  // many. The upload thread lists the bucket once and skips each of these files whose object
  // already exists with the same size: a lake file's name is fixed by the input range it holds
  // and a PUT is atomic, so an object of the same key and size is that file, uploaded before.
  // If the listing fails, every file is uploaded.
  size_t enqueue_existing();
  // Waits until nothing is pending; true if that happened within timeout.
  bool wait_idle(std::chrono::milliseconds timeout);

  LakeUploadCounters counters() const;
  std::string last_error() const;
  // The object key of a relative path: prefix + "/" + relative path ('\' never appears).
  std::string key_for(const std::string& relative_path) const;

  std::chrono::milliseconds drain_timeout{60000};

 private:
  struct Entry {
    std::string relative_path;
    bool catch_up = false;  // from enqueue_existing(): skipped if the bucket has it
  };
  void enqueue(const std::string& relative_path, bool catch_up);
  void run();
  // Whether the bucket already holds this catch-up file (upload thread only).
  bool already_uploaded(const std::string& relative_path, uint64_t size);

  std::unique_ptr<ObjectStore> store_;
  LakeUploadOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<Entry> queue_;
  // Key -> size of the objects under the prefix, listed at the first catch-up entry.
  std::optional<std::unordered_map<std::string, uint64_t>> listed_;
  bool in_flight_ = false;
  bool stopping_ = false;
  LakeUploadCounters counters_;
  std::string last_error_;
  std::thread thread_;
};

}  // namespace stockpulse
