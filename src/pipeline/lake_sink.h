#pragma once

#include <memory>
#include <string>

#include "app/config.h"
#include "common/clock.h"
#include "sink/lake_uploader.h"
#include "sink/lake_writer.h"
#include "sink/s3_object_store.h"

namespace stockpulse {

// The lake as the pipeline uses it: a LakeWriter on local disk, and, when `--lake` is
// s3://BUCKET/PREFIX, a LakeUploader that ships every finished file to that bucket under the same
// relative key. The local folder (<output_dir>/lake) stays the source of truth for what is
// written, so restarts skip what is archived and uploads are retried until they succeed.
// Endpoint and keys come from the environment (S3Options::from_env: AWS_ENDPOINT_URL,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION).
//
// Lifecycle: open_lake_sink() checks the bucket and the credentials with one signed request and
// throws std::runtime_error with a clear message when they are refused (a start-up error); it
// queues local files not uploaded yet. close() writes every staged row, then waits for the
// uploads, saying on stderr what it waits for. The destructor closes.
// Thread-safety: writer() is used by one thread; the uploader has its own.
class LakeSink {
 public:
  LakeSink(std::unique_ptr<LakeWriter> writer, std::unique_ptr<LakeUploader> uploader,
           std::string local_root, std::string bucket_url);
  ~LakeSink();
  LakeSink(const LakeSink&) = delete;
  LakeSink& operator=(const LakeSink&) = delete;

  LakeWriter& writer() { return *writer_; }
  LakeUploader* uploader() { return uploader_.get(); }
  // Writes the staged rows and waits for pending uploads; false when uploads remain or failed.
  bool close();

 private:
  std::unique_ptr<LakeWriter> writer_;
  std::unique_ptr<LakeUploader> uploader_;
  std::string local_root_;
  std::string bucket_url_;
  bool closed_ = false;
};

// nullptr when the lake is off (--lake none).
std::unique_ptr<LakeSink> open_lake_sink(const Config& config, const Clock& clock);

// The bucket an s3://BUCKET[/PREFIX] lake URL names, with endpoint and keys from the environment
// (S3Options::from_env), checked with one signed request. Throws std::runtime_error saying what
// to fix (a malformed URL, missing or refused keys, an unreachable endpoint); `flag` is the
// option the URL came from, for the message. Keys are never part of a message.
struct LakeBucket {
  std::unique_ptr<S3ObjectStore> store;
  S3Location location;
};
LakeBucket open_lake_bucket(const std::string& url, const std::string& flag);

}  // namespace stockpulse
