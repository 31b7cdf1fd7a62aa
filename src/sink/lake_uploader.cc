#include "sink/lake_uploader.h"

#include <algorithm>
#include <filesystem>

namespace stockpulse {
namespace fs = std::filesystem;

S3Location S3Location::parse(const std::string& url) {
  S3Location loc;
  constexpr std::string_view kScheme = "s3://";
  std::string_view u(url);
  if (!u.starts_with(kScheme)) return loc;
  u.remove_prefix(kScheme.size());
  const size_t slash = u.find('/');
  loc.bucket = std::string(u.substr(0, slash));
  if (slash != std::string_view::npos) {
    std::string_view p = u.substr(slash + 1);
    while (!p.empty() && p.front() == '/') p.remove_prefix(1);
    while (!p.empty() && p.back() == '/') p.remove_suffix(1);
    loc.prefix = std::string(p);
  }
  return loc;
}

LakeUploader::LakeUploader(std::unique_ptr<ObjectStore> store, LakeUploadOptions options)
    : store_(std::move(store)), options_(std::move(options)) {
  thread_ = std::thread([this] { run(); });
}

LakeUploader::~LakeUploader() {
  wait_idle(drain_timeout);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::string LakeUploader::key_for(const std::string& relative_path) const {
  return options_.prefix.empty() ? relative_path : options_.prefix + "/" + relative_path;
}

void LakeUploader::enqueue(const std::string& relative_path) {
  enqueue(relative_path, false);
}

void LakeUploader::enqueue(const std::string& relative_path, bool catch_up) {
  std::lock_guard lock(mu_);
  // A file re-written before its upload started needs one upload, not two; and it must go up
  // even if an older version of it is in the bucket.
  auto it = std::find_if(queue_.begin(), queue_.end(),
                         [&](const Entry& e) { return e.relative_path == relative_path; });
  if (it == queue_.end()) {
    queue_.push_back(Entry{relative_path, catch_up});
    ++counters_.pending;
  } else if (!catch_up) {
    it->catch_up = false;
  }
  cv_.notify_one();
}

size_t LakeUploader::enqueue_existing() {
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(options_.local_root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& p = it->path();
    const std::string name = p.filename().string();
    // Temporary files start with '.', like every reader's glob skips them.
    if (it->is_regular_file() && p.extension() == ".parquet" && !name.starts_with(".")) {
      files.push_back(fs::relative(p, options_.local_root).generic_string());
    }
  }
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) enqueue(f, true);
  return files.size();
}

bool LakeUploader::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [&] { return queue_.empty() && !in_flight_; });
}

LakeUploadCounters LakeUploader::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

std::string LakeUploader::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

bool LakeUploader::already_uploaded(const std::string& relative_path, uint64_t size) {
  if (!listed_) {
    listed_.emplace();
    auto r = store_->list(options_.prefix.empty() ? "" : options_.prefix + "/");
    if (!r.ok()) {
      // Not fatal: uploading again is harmless, only slower.
      if (options_.on_error) options_.on_error("cannot list the bucket: " + r.error().message);
      return false;
    }
    for (const ObjectInfo& o : r.value()) listed_->emplace(o.key, o.size);
  }
  auto it = listed_->find(key_for(relative_path));
  return it != listed_->end() && it->second == size;
}

void LakeUploader::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (stopping_) return;
    const Entry entry = queue_.front();
    const std::string& rel = entry.relative_path;
    queue_.pop_front();
    in_flight_ = true;
    const std::string path = (fs::path(options_.local_root) / rel).string();
    auto backoff = options_.initial_backoff;
    bool check_bucket = entry.catch_up;
    for (;;) {
      lock.unlock();
      std::error_code ec;
      const uint64_t size = fs::file_size(path, ec);
      const bool skip = !ec && check_bucket && already_uploaded(rel, size);
      check_bucket = false;
      auto r = ec     ? Result<ObjectStoreOk, ObjectStoreError>(Err{ObjectStoreError{
                        ObjectStoreErrorKind::kNotFound, "lake file '" + path + "' is gone"}})
               : skip ? Result<ObjectStoreOk, ObjectStoreError>(ObjectStoreOk{})
                      : store_->put_file(key_for(rel), path);
      lock.lock();
      if (skip) {
        ++counters_.files_skipped;
        break;
      }
      if (r.ok()) {
        ++counters_.files_uploaded;
        counters_.bytes_uploaded += size;
        break;
      }
      ++counters_.errors;
      last_error_ = "upload of " + rel + ": " + r.error().message;
      if (options_.on_error) {
        const std::string e = last_error_;
        lock.unlock();
        options_.on_error(e);
        lock.lock();
      }
      const ObjectStoreErrorKind kind = r.error().kind;
      if (kind == ObjectStoreErrorKind::kAuth || ec) {
        // Waiting will not fix a refused key or a deleted file.
        ++counters_.files_failed;
        break;
      }
      if (cv_.wait_for(lock, backoff, [&] { return stopping_; })) break;
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
    --counters_.pending;
    in_flight_ = false;
    idle_cv_.notify_all();
  }
}

}  // namespace stockpulse
