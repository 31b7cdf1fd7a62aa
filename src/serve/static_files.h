#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace stockpulse {

enum class StaticFileError : uint8_t {
  kBadPath,   // traversal attempt, encoded NUL, backslash, ... (400)
  kNotFound,  // no such regular file under the root (404)
  kNoRoot,    // the web root does not exist: the front end was not built (503)
};

struct StaticFile {
  std::string body;
  std::string content_type;
};

// Serves the built front end (web/dist) from a root folder. A request path is percent-decoded
// once, then refused if it holds "..", ".", empty segments ("//etc/passwd"), a backslash, a NUL
// or any control character; the file it names is resolved with symlinks followed and must still
// lie inside the (resolved) root and be a regular file. "/" serves index.html. Content types come
// from the extension (unknown: application/octet-stream, which nosniff keeps from being run).
//
// Lifecycle: constructed with the root; the folder may appear later (set-up run while serving).
// Thread-safety: thread-safe (no mutable state; each call reads the file).
class StaticFiles {
 public:
  static constexpr uint64_t kMaxFileBytes = 16 << 20;

  explicit StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}

  // `target_path` is the request target's path, before '?', still percent-encoded.
  Result<StaticFile, StaticFileError> load(std::string_view target_path) const;

  const std::filesystem::path& root() const { return root_; }
  static std::string_view content_type_for(std::string_view extension);

 private:
  std::filesystem::path root_;
};

}  // namespace stockpulse
