#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace stockpulse {

// Word -> valence table in VADER's lexicon text format: one entry per line,
// `token<TAB>mean<TAB>stddev<TAB>[ratings]`; only the first two fields are used, later lines
// override earlier ones, keys are stored exactly as written (VADER looks words up lower-cased, so
// an upper-case key such as ":D" is never matched — NLTK behaves the same way).
//
// The NLTK/vaderSentiment lexicon is compiled into the binary (builtin()); load_file() reads
// another one (`--lexicon FILE`); set() adds or overrides entries (the finance flavour does).
//
// Storage is an open-addressing hash table whose keys live in one arena string, so find() never
// allocates and a Lexicon can be copied freely.
//
// Thread-safety: const methods may be called concurrently; set() must not race with anything.
class Lexicon {
 public:
  Lexicon();

  // The lexicon shipped with NLTK/vaderSentiment, embedded at build time. Parsed on first use.
  static const Lexicon& builtin();
  // Reads a lexicon file. Errors (missing file, a line without a TAB or with a bad number) are
  // returned as a message naming the file and line.
  static Result<Lexicon, std::string> load_file(const std::string& path);
  // Parses lexicon text already in memory; `origin` names it in error messages. A trailing
  // newline / blank last line is accepted.
  static Result<Lexicon, std::string> parse(std::string_view text, std::string_view origin);

  // Adds or overrides an entry.
  void set(std::string_view word, double valence);
  // The valence of `word` (exact, case-sensitive key match), or nullopt.
  std::optional<double> find(std::string_view word) const {
    const double* v = find_ptr(word);
    if (v == nullptr) return std::nullopt;
    return *v;
  }
  // Like find() but returns a pointer into the table (nullptr if absent); the hot path uses it.
  const double* find_ptr(std::string_view word) const;
  bool contains(std::string_view word) const { return find_ptr(word) != nullptr; }
  size_t size() const { return size_; }
  // Calls f(word, valence) for every entry, in no particular order.
  template <class F>
  void for_each(F&& f) const {
    for (const Slot& s : slots_) {
      if (s.used) f(std::string_view(arena_.data() + s.offset, s.length), s.valence);
    }
  }

 private:
  struct Slot {
    uint32_t offset = 0;  // into arena_
    uint32_t length = 0;
    uint32_t hash = 0;
    bool used = false;
    double valence = 0;
  };
  static uint64_t hash_of(std::string_view s);
  void grow();

  std::string arena_;
  std::vector<Slot> slots_;  // size is a power of two
  size_t size_ = 0;
};

}  // namespace stockpulse
