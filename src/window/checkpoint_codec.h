#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace stockpulse {

// 64-bit FNV-1a over bytes: the checksum at the end of every window checkpoint. It is there to
// catch torn or bit-flipped files, not tampering.
inline uint64_t checkpoint_checksum(std::string_view bytes) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// Appends fixed-width values to a byte string in the machine's byte order (checkpoints are read
// back by the same build on the same machine; the header records sizes so a mismatch is caught).
// A plain helper; not thread-safe.
class CheckpointWriter {
 public:
  explicit CheckpointWriter(std::string& out) : out_(out) {}

  template <class T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    const size_t at = out_.size();
    out_.resize(at + sizeof(T));
    std::memcpy(out_.data() + at, &v, sizeof(T));
  }
  void put_bytes(std::string_view s) {
    put<uint32_t>(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  // Appends the checksum of everything written so far, starting at `from`.
  void seal(size_t from) {
    put<uint64_t>(checkpoint_checksum(std::string_view(out_).substr(from)));
  }

 private:
  std::string& out_;
};

// Reads what CheckpointWriter wrote. Every read checks bounds; after the first failure ok()
// stays false and reads return zeros, so a decoder can read a whole record and check once.
// A plain helper; not thread-safe.
class CheckpointReader {
 public:
  explicit CheckpointReader(std::string_view in) : in_(in) {}

  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T v{};
    if (!ok_ || in_.size() - pos_ < sizeof(T)) {
      ok_ = false;
      return v;
    }
    std::memcpy(&v, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string_view get_bytes() {
    const uint32_t n = get<uint32_t>();
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return {};
    }
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  bool ok() const { return ok_; }
  void fail() { ok_ = false; }
  size_t remaining() const { return in_.size() - pos_; }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// The body of a record sealed by CheckpointWriter::seal(0): everything before its 8-byte
// checksum, or nullopt when the record is shorter than that or the checksum does not match.
inline std::optional<std::string_view> checked_body(std::string_view sealed) {
  if (sealed.size() < sizeof(uint64_t)) return std::nullopt;
  const std::string_view body = sealed.substr(0, sealed.size() - sizeof(uint64_t));
  CheckpointReader tail(sealed.substr(body.size()));
  if (tail.get<uint64_t>() != checkpoint_checksum(body)) return std::nullopt;
  return body;
}

}  // namespace stockpulse
