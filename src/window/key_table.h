#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stockpulse {

// Maps key strings (ticker symbols) to dense indices 0, 1, 2, ... in order of first insertion.
//
// Each key's bytes are stored once, packed into 64 KiB blocks (no per-key allocation or string
// header: a key costs its bytes, a 16-byte view and two or four 8-byte index slots); lookups take
// a std::string_view and never allocate. The index is an open-addressing (linear probing) table
// of 32-bit key numbers next to their 32-bit hash fragment, so a probe rarely touches the key
// bytes. Keys are never removed.
//
// Lifecycle: owned by a WindowEngine. Thread-safety: none.
class KeyTable {
 public:
  KeyTable();

  // The index of key, or nullopt if it was never inserted.
  std::optional<uint32_t> find(std::string_view key) const { return find(key, hash(key)); }
  std::optional<uint32_t> find(std::string_view key, uint64_t h) const;

  // Index of key, inserting it first if needed. Allocates only when inserting.
  uint32_t insert(std::string_view key, uint64_t h);

  std::string_view key(uint32_t index) const { return views_[index]; }
  size_t size() const { return views_.size(); }
  size_t memory_bytes() const;

  // 64-bit FNV-1a followed by a multiply-xorshift finaliser: simple, fast on short keys such as
  // ticker symbols, and good enough in the low bits for a power-of-two table.
  static uint64_t hash(std::string_view key);

 private:
  struct Slot {
    uint32_t index_plus_one = 0;  // 0 = empty
    uint32_t hash_tag = 0;        // high 32 bits of the hash
  };

  void grow();
  // A copy of key's bytes in the blocks; it never moves.
  std::string_view store(std::string_view key);

  // Key bytes, packed; a block is never reallocated, so the views handed out by key() stay valid
  // while keys are added. A key longer than a block gets a block of its own.
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = 0;   // bytes used in blocks_.back()
  size_t block_size_ = 0;   // size of blocks_.back()
  size_t block_bytes_ = 0;  // all blocks
  // The keys by index.
  std::vector<std::string_view> views_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

}  // namespace stockpulse
