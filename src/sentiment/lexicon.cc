#include "sentiment/lexicon.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "sentiment/embedded_data.h"

namespace stockpulse {

namespace {

std::string_view trim(std::string_view s) {
  // Python's str.strip() on a lexicon line; the lexicon is ASCII apart from a few emoticons, so
  // ASCII whitespace is enough here.
  auto is_ws = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
  };
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

Lexicon::Lexicon() : slots_(16) {}

uint64_t Lexicon::hash_of(std::string_view s) {
  // FNV-1a over 8-byte words then a final avalanche: words are short, so this is a handful of
  // multiplies, and it needs no allocation or table.
  uint64_t h = 0xcbf29ce484222325ULL ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0x100000001b3ULL;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  h = (h ^ tail) * 0x9E3779B97F4A7C15ULL;
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ULL;
  h ^= h >> 32;
  return h;
}

const double* Lexicon::find_ptr(std::string_view word) const {
  const uint64_t h = hash_of(word);
  const uint32_t h32 = static_cast<uint32_t>(h);
  const size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (!s.used) return nullptr;
    if (s.hash == h32 && s.length == word.size() &&
        std::memcmp(arena_.data() + s.offset, word.data(), word.size()) == 0) {
      return &s.valence;
    }
  }
}

void Lexicon::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.size() * 2, Slot{});
  const size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (!s.used) continue;
    const uint64_t h = hash_of(std::string_view(arena_.data() + s.offset, s.length));
    size_t i = h & mask;
    while (slots_[i].used) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

void Lexicon::set(std::string_view word, double valence) {
  if (double* existing = const_cast<double*>(find_ptr(word))) {
    *existing = valence;
    return;
  }
  // Load factor <= 1/2 keeps probe sequences short for misses, which dominate VADER lookups.
  if ((size_ + 1) * 2 > slots_.size()) grow();
  const uint64_t h = hash_of(word);
  const size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  while (slots_[i].used) i = (i + 1) & mask;
  Slot& s = slots_[i];
  s.offset = static_cast<uint32_t>(arena_.size());
  s.length = static_cast<uint32_t>(word.size());
  s.hash = static_cast<uint32_t>(h);
  s.used = true;
  s.valence = valence;
  arena_.append(word);
  ++size_;
}

Result<Lexicon, std::string> Lexicon::parse(std::string_view text, std::string_view origin) {
  Lexicon lex;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    line = trim(line);
    if (line.empty()) {
      // NLTK would fail on a blank line; we accept a trailing one (files usually end in '\n') and
      // blank lines in general, since they carry no entry.
      continue;
    }
    const size_t tab = line.find('\t');
    if (tab == std::string_view::npos) {
      return Err<std::string>{std::string(origin) + ":" + std::to_string(line_no) +
                              ": no TAB separator"};
    }
    const std::string_view word = line.substr(0, tab);
    std::string_view rest = line.substr(tab + 1);
    rest = rest.substr(0, rest.find('\t'));
    const std::string number(trim(rest));
    char* end = nullptr;
    errno = 0;
    // strtod is correctly rounded, like Python's float(), so valences are bit-identical to NLTK's.
    const double v = std::strtod(number.c_str(), &end);
    if (number.empty() || end != number.c_str() + number.size() || errno == ERANGE) {
      return Err<std::string>{std::string(origin) + ":" + std::to_string(line_no) +
                              ": bad valence '" + number + "'"};
    }
    lex.set(word, v);
  }
  return lex;
}

Result<Lexicon, std::string> Lexicon::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err<std::string>{"cannot open lexicon file " + path};
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse(buf.str(), path);
}

const Lexicon& Lexicon::builtin() {
  static const Lexicon lex = [] {
    auto r = parse(embedded_vader_lexicon(), "<builtin vader_lexicon.txt>");
    // The embedded file was validated when it was built in; failing here is a broken build.
    if (!r.ok()) throw std::runtime_error(r.error());
    return std::move(r).value();
  }();
  return lex;
}

}  // namespace stockpulse
