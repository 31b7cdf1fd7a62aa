#include "window/key_table.h"

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
  if ((keys_.size() + 1) * 2 > slots_.size()) grow();
  keys_.emplace_back(key);
  views_.push_back(keys_.back());
  const uint32_t index = static_cast<uint32_t>(keys_.size() - 1);
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
    size_t i = hash(keys_[s.index_plus_one - 1]) & mask_;
    while (slots_[i].index_plus_one != 0) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

size_t KeyTable::memory_bytes() const {
  size_t bytes = sizeof(*this) + slots_.capacity() * sizeof(Slot) +
                 views_.capacity() * sizeof(std::string_view);
  for (const auto& k : keys_) {
    // Short keys live inside std::string; longer ones own a heap buffer.
    bytes += sizeof(std::string) + (k.capacity() > 15 ? k.capacity() + 1 : 0);
  }
  return bytes;
}

}  // namespace stockpulse
