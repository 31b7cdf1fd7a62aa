#include "sentiment/post_analyzer.h"

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

// Clause boundaries as documented in the header.
void split_clauses(std::string_view text, std::vector<Clause>& out) {
  out.clear();
  size_t start = 0;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const bool mark = c == ',' || c == ';' || c == '.' || c == '!' || c == '?';
    if (mark) {
      if ((c == ',' || c == '.') && i > 0 && i + 1 < text.size() && is_alnum(text[i - 1]) &&
          is_alnum(text[i + 1])) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < text.size() && (text[j] == ',' || text[j] == ';' || text[j] == '.' ||
                                 text[j] == '!' || text[j] == '?')) {
        ++j;
      }
      out.push_back({start, j});
      start = i = j;
      continue;
    }
    if ((c == 'b' || c == 'B' || c == 'w' || c == 'W') &&
        (word_at(text, i, "but") || word_at(text, i, "while") || word_at(text, i, "whereas"))) {
      if (i > start) out.push_back({start, i});
      start = i;
      i += 3;
      continue;
    }
    ++i;
  }
  if (start < text.size()) out.push_back({start, text.size()});
}

struct AnalyzerScratch {
  std::vector<TickerMention> mentions;
  std::vector<Clause> clauses;
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
  overall = scorer_.score(text);
  tickers_.extract(text, s.mentions);
  if (tickers.size() > s.mentions.size()) tickers.resize(s.mentions.size());
  while (tickers.size() < s.mentions.size()) tickers.emplace_back();
  if (s.mentions.empty()) return;
  split_clauses(text, s.clauses);
  for (size_t k = 0; k < s.mentions.size(); ++k) {
    const TickerMention& m = s.mentions[k];
    TickerSentiment& out = tickers[k];
    out.symbol.assign(m.symbol);
    out.scores = overall;
    for (const Clause& c : s.clauses) {
      if (m.begin >= c.begin && m.begin < c.end) {
        // A clause that is the whole post scores the same: skip the second call.
        if (c.begin == 0 && c.end == text.size()) break;
        const SentimentScores clause = scorer_.score(text.substr(c.begin, c.end - c.begin));
        if (clause.compound != 0) out.scores = clause;
        break;
      }
    }
  }
}

}  // namespace stockpulse
