#include "window/key_table.h"

#include <cstring>

namespace stockpulse {

KeyTable::KeyTable() : slots_(64), mask_(63) {}

uint64_t KeyTable::hash(std::string_view key) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  // FNV-1a alone leaves the low bits weak for keys that differ only in their last byte.
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ULL;
  h ^= h >> 32;
  return h;
}

std::optional<uint32_t> KeyTable::find(std::string_view key, uint64_t h) const {
  const uint32_t tag = static_cast<uint32_t>(h >> 32);
  for (size_t i = h & mask_;; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.index_plus_one == 0) return std::nullopt;
    if (s.hash_tag == tag && views_[s.index_plus_one - 1] == key) return s.index_plus_one - 1;
  }
}

uint32_t KeyTable::insert(std::string_view key, uint64_t h) {
  if (auto found = find(key, h)) return *found;
  // Keep the load factor at most 1/2 so probe sequences stay short.
  if ((views_.size() + 1) * 2 > slots_.size()) grow();
  views_.push_back(store(key));
  const uint32_t index = static_cast<uint32_t>(views_.size() - 1);
  size_t i = h & mask_;
  while (slots_[i].index_plus_one != 0) i = (i + 1) & mask_;
  slots_[i] = {index + 1, static_cast<uint32_t>(h >> 32)};
  return index;
}

void KeyTable::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.size() * 2, Slot{});
  mask_ = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.index_plus_one == 0) continue;
    size_t i = hash(views_[s.index_plus_one - 1]) & mask_;
    while (slots_[i].index_plus_one != 0) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

std::string_view KeyTable::store(std::string_view key) {
  constexpr size_t kBlock = 64 * 1024;
  if (key.empty()) return {};
  char* at;
  if (key.size() > kBlock / 8) {
    // A long key gets a block of its own, kept behind the current block so its rest stays in use.
    auto own = std::make_unique<char[]>(key.size());
    at = own.get();
    blocks_.insert(blocks_.empty() ? blocks_.end() : blocks_.end() - 1, std::move(own));
    block_bytes_ += key.size();
    if (blocks_.size() == 1) block_used_ = block_size_ = 0;  // no current block yet
  } else {
    if (block_size_ - block_used_ < key.size()) {
      blocks_.push_back(std::make_unique<char[]>(kBlock));
      block_size_ = kBlock;
      block_bytes_ += kBlock;
      block_used_ = 0;
    }
    at = blocks_.back().get() + block_used_;
    block_used_ += key.size();
  }
  std::memcpy(at, key.data(), key.size());
  return {at, key.size()};
}

size_t KeyTable::memory_bytes() const {
  return sizeof(*this) + slots_.capacity() * sizeof(Slot) +
         views_.capacity() * sizeof(std::string_view) +
         blocks_.capacity() * sizeof(std::unique_ptr<char[]>) + block_bytes_;
}

}  // namespace stockpulse
