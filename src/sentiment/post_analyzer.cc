#include "sentiment/post_analyzer.h"

#include <array>
#include <cstdint>

#include "sentiment/vader_scorer.h"

namespace stockpulse {

namespace {

bool is_alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

bool word_at(std::string_view text, size_t i, std::string_view w) {
  if (i + w.size() > text.size()) return false;
  if (i > 0 && is_alnum(text[i - 1])) return false;
  if (i + w.size() < text.size() && (is_alnum(text[i + w.size()]) || text[i + w.size()] == '\''))
    return false;
  for (size_t k = 0; k < w.size(); ++k) {
    if (lower(text[i + k]) != w[k]) return false;
  }
  return true;
}

struct Clause {
  size_t begin;
  size_t end;
};

// Bytes split_clauses() must look at; everything else is skipped with one table lookup.
enum ClauseByte : uint8_t { kPlain = 0, kMark = 1, kWordStart = 2 };
constexpr std::array<uint8_t, 256> kClauseByte = [] {
  std::array<uint8_t, 256> t{};
  for (unsigned char c : std::string_view(",;.!?")) t[c] = kMark;
  for (unsigned char c : std::string_view("bBwW")) t[c] = kWordStart;
  return t;
}();

// Clause boundaries as documented in the header, from the start of the text up to the clause
// holding byte `last` (the last first-mention): clauses after it are never looked at.
void split_clauses(std::string_view text, size_t last, std::vector<Clause>& out) {
  out.clear();
  const size_t size = text.size();
  size_t start = 0;
  size_t i = 0;
  while (i < size) {
    const uint8_t kind = kClauseByte[static_cast<unsigned char>(text[i])];
    if (kind == kPlain) {
      ++i;
      continue;
    }
    const char c = text[i];
    if (kind == kMark) {
      if ((c == ',' || c == '.') && i > 0 && i + 1 < size && is_alnum(text[i - 1]) &&
          is_alnum(text[i + 1])) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < size && kClauseByte[static_cast<unsigned char>(text[j])] == kMark) ++j;
      out.push_back({start, j});
      if (j > last) return;
      start = i = j;
      continue;
    }
    // Only a word start can begin "but"/"while"/"whereas" (word_at checks it too; testing it
    // first skips the three calls for the b/w inside words).
    const bool word_start = i == 0 || !is_alnum(text[i - 1]);
    if (word_start &&
        (word_at(text, i, "but") || word_at(text, i, "while") || word_at(text, i, "whereas"))) {
      if (i > start) {
        out.push_back({start, i});
        if (i > last) return;
      }
      start = i;
      i += 3;
      continue;
    }
    ++i;
  }
  if (start < size) out.push_back({start, size});
}

struct AnalyzerScratch {
  std::vector<TickerMention> mentions;
  std::vector<Clause> clauses;
  std::vector<TextSpan> parts;  // distinct clauses to score
  std::vector<SentimentScores> part_scores;
  std::vector<int> part_of_mention;  // index into parts, or -1: the whole-post score
};

}  // namespace

void PostAnalyzer::analyze(std::string_view text, SentimentScores& overall,
                           std::vector<TickerSentiment>& tickers) const {
  thread_local AnalyzerScratch s;
  // The same cap as the scorer, so clause work is bounded too.
  if (text.size() > VaderScorer::kMaxScoredBytes) {
    size_t n = VaderScorer::kMaxScoredBytes;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    text = text.substr(0, n);
  }
  tickers_.extract(text, s.mentions);
  if (tickers.size() > s.mentions.size()) tickers.resize(s.mentions.size());
  while (tickers.size() < s.mentions.size()) tickers.emplace_back();
  if (s.mentions.empty()) {
    overall = scorer_.score(text);
    return;
  }
  // Mentions are in first-mention order, so the last one is furthest into the text.
  split_clauses(text, s.mentions.back().begin, s.clauses);
  // Each distinct clause holding a first mention is scored once, and only when it is not the
  // whole post (that one scores the same as the post).
  s.parts.clear();
  s.part_of_mention.clear();
  for (const TickerMention& m : s.mentions) {
    int part = -1;
    for (const Clause& c : s.clauses) {
      if (m.begin >= c.begin && m.begin < c.end) {
        if (c.begin == 0 && c.end == text.size()) break;
        const TextSpan span{static_cast<uint32_t>(c.begin), static_cast<uint32_t>(c.end)};
        for (size_t p = 0; p < s.parts.size() && part < 0; ++p) {
          if (s.parts[p].begin == span.begin) part = static_cast<int>(p);
        }
        if (part < 0) {
          part = static_cast<int>(s.parts.size());
          s.parts.push_back(span);
        }
        break;
      }
    }
    s.part_of_mention.push_back(part);
  }
  if (s.parts.empty()) {
    overall = scorer_.score(text);
  } else {
    // One call, so the scorer can tokenise the post once for it and all its clauses.
    s.part_scores.resize(s.parts.size());
    scorer_.score_parts(text, s.parts, overall, s.part_scores);
  }
  for (size_t k = 0; k < s.mentions.size(); ++k) {
    TickerSentiment& out = tickers[k];
    out.symbol.assign(s.mentions[k].symbol);
    out.scores = overall;
    const int part = s.part_of_mention[k];
    // A clause without sentiment says nothing about its ticker: keep the whole-post score.
    if (part >= 0 && s.part_scores[static_cast<size_t>(part)].compound != 0) {
      out.scores = s.part_scores[static_cast<size_t>(part)];
    }
  }
}

}  // namespace stockpulse
