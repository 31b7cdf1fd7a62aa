#include "pipeline/lake_sink.h"

#include <fmt/format.h>

#include <filesystem>
#include <stdexcept>

#include "sink/s3_object_store.h"

namespace stockpulse {

LakeSink::LakeSink(std::unique_ptr<LakeWriter> writer, std::unique_ptr<LakeUploader> uploader,
                   std::string local_root, std::string bucket_url)
    : writer_(std::move(writer)),
      uploader_(std::move(uploader)),
      local_root_(std::move(local_root)),
      bucket_url_(std::move(bucket_url)) {}

LakeSink::~LakeSink() {
  try {
    close();
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: closing the lake: {}\n", e.what());
  }
}

bool LakeSink::close() {
  if (closed_) return true;
  closed_ = true;
  writer_->close();
  if (!uploader_) return true;
  if (uploader_->counters().pending > 0) {
    fmt::print(stderr, "stockpulse: waiting for {} lake file(s) to reach {}\n",
               uploader_->counters().pending, bucket_url_);
  }
  const bool idle = uploader_->wait_idle(uploader_->drain_timeout);
  const LakeUploadCounters c = uploader_->counters();
  if (!idle || c.files_failed > 0) {
    fmt::print(stderr,
               "error: {} lake file(s) not uploaded to {} ({} failed): {}; they stay in {} and "
               "are uploaded at the next start\n",
               c.pending, bucket_url_, c.files_failed, uploader_->last_error(), local_root_);
    return false;
  }
  return true;
}

std::unique_ptr<LakeSink> open_lake_sink(const Config& config, const Clock& clock) {
  const std::string root = config.lake_root();
  if (root.empty()) return nullptr;
  LakeOptions lo;
  lo.root = root;
  lo.roll_bytes = static_cast<uint64_t>(config.lake.roll_mb) << 20;
  lo.roll_age_ms = config.lake.roll_age_s * kMillisPerSecond;
  lo.memory_bytes = static_cast<uint64_t>(config.lake.memory_mb) << 20;
  lo.max_open_stagings = static_cast<size_t>(config.lake.max_open_partitions);
  lo.clock = &clock;
  std::unique_ptr<LakeUploader> uploader;
  const std::string url = config.lake_bucket_url();
  if (!url.empty()) {
    LakeBucket bucket = open_lake_bucket(url, "--lake");
    LakeUploadOptions uo;
    uo.local_root = root;
    uo.prefix = bucket.location.prefix;
    uo.on_error = [](const std::string& e) { fmt::print(stderr, "warning: lake upload: {}\n", e); };
    std::filesystem::create_directories(root);
    uploader = std::make_unique<LakeUploader>(std::move(bucket.store), std::move(uo));
    // Files written before a crash, or while the store was away, go up first.
    if (const size_t n = uploader->enqueue_existing(); n > 0) {
      fmt::print(stderr, "stockpulse: {} lake file(s) already in {}: uploading those {} lacks\n", n,
                 root, url);
    }
    LakeUploader* up = uploader.get();
    lo.on_file_written = [up](const std::string& relative) { up->enqueue(relative); };
  }
  return std::make_unique<LakeSink>(std::make_unique<LakeWriter>(lo), std::move(uploader), root,
                                    url);
}

LakeBucket open_lake_bucket(const std::string& url, const std::string& flag) {
  LakeBucket b;
  b.location = S3Location::parse(url);
  if (b.location.bucket.empty()) {
    throw std::runtime_error(fmt::format("{} '{}': expected s3://BUCKET[/PREFIX]", flag, url));
  }
  S3Options so = S3Options::from_env();
  so.bucket = b.location.bucket;
  if (so.access_key.empty() || so.secret_key.empty()) {
    throw std::runtime_error(fmt::format(
        "{} {} needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment (and "
        "AWS_ENDPOINT_URL for MinIO, Ceph or another S3-compatible store)",
        flag, url));
  }
  b.store = std::make_unique<S3ObjectStore>(so);
  if (auto probe = b.store->probe(b.location.prefix); !probe.ok()) {
    throw std::runtime_error(fmt::format("cannot use the lake bucket {} at {}: {}", url,
                                         so.endpoint, probe.error().message));
  }
  return b;
}

}  // namespace stockpulse
