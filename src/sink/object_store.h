#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"

namespace stockpulse {

enum class ObjectStoreErrorKind : uint8_t {
  kAuth,       // credentials refused (wrong key or secret, no permission): retrying will not help
  kNotFound,   // no such bucket or object
  kTransient,  // network error, timeout, 5xx, throttling: worth retrying
  kOther,      // anything else the service refused
};

struct ObjectStoreError {
  ObjectStoreErrorKind kind;
  std::string message;  // never holds a secret
};

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
};

using ObjectStoreOk = std::monostate;

// A bucket of an object store (S3 and compatibles): where the Parquet lake is shipped.
// Keys are '/'-separated paths, e.g. "lake/tweets/date=2024-05-01/hour=14/part-p0-0-99.parquet".
// Expected failures are values; implementations retry transient ones themselves before
// returning kTransient.
// Thread-safety: implementations are not thread-safe; one thread per instance.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // Uploads a local file under key, replacing any object of that key.
  virtual Result<ObjectStoreOk, ObjectStoreError> put_file(const std::string& key,
                                                           const std::string& path) = 0;
  virtual Result<ObjectStoreOk, ObjectStoreError> put(const std::string& key,
                                                      const std::string& bytes) = 0;
  // The whole object in memory: for small objects (markers, tests).
  virtual Result<std::string, ObjectStoreError> get(const std::string& key) = 0;
  // Streams the object into the local file `path` (created or truncated) in bounded memory,
  // whatever its size; returns the bytes written. On failure the file's content is undefined.
  virtual Result<uint64_t, ObjectStoreError> get_file(const std::string& key,
                                                      const std::string& path) = 0;
  // Every object whose key starts with prefix, in key order.
  virtual Result<std::vector<ObjectInfo>, ObjectStoreError> list(const std::string& prefix) = 0;
  virtual Result<ObjectStoreOk, ObjectStoreError> remove(const std::string& key) = 0;
};

}  // namespace stockpulse
