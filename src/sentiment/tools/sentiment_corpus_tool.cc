// Helper for bench/sentiment_vs_nltk.sh:
//   sp_sentiment_corpus_tool generate N      -> N finance posts on stdout, one per line
//   sp_sentiment_corpus_tool score FILE      -> scores every line with VaderScorer (NLTK mode, one
//                                               thread) and prints "posts cpu_seconds
//                                               posts_per_cpu_s wall=..."
//   sp_sentiment_corpus_tool profile MODE N  -> scores N generated posts (the benchmark's corpus)
//                                               with MODE nltk | emoji | analyzer; run it under
//                                               callgrind with N and 0 and divide the difference
//                                               in instructions by N for instructions per post
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "sentiment/corpus_generator.h"
#include "sentiment/post_analyzer.h"
#include "sentiment/vader_scorer.h"

int main(int argc, char** argv) {
  using namespace stockpulse;
  const std::string mode = argc > 2 ? argv[1] : "";
  if (mode == "generate") {
    CorpusGenerator gen(20240501);
    const long n = std::atol(argv[2]);
    for (long i = 0; i < n; ++i) std::cout << gen.finance_post() << '\n';
    return 0;
  }
  if (mode == "score") {
    std::ifstream in(argv[2]);
    if (!in) {
      std::cerr << "cannot open " << argv[2] << "\n";
      return 1;
    }
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    VaderScorer scorer(Lexicon::builtin(), VaderOptions{.emoji = false, .phrases = {}});
    double checksum = 0;
    for (const auto& l : lines) checksum += scorer.score(l).compound;  // warm-up pass
    // CPU time of this thread, not wall time: on a shared machine wall time mostly measures the
    // scheduler. (The bench script times NLTK the same way.)
    auto cpu_seconds = [] {
      timespec ts{};
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
      return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
    };
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    constexpr int kRounds = 5;
    for (int r = 0; r < kRounds; ++r) {
      for (const auto& l : lines) checksum += scorer.score(l).compound;
    }
    const double cpu = cpu_seconds() - c0;
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double posts = static_cast<double>(lines.size()) * kRounds;
    std::printf("%.0f %.6f %.0f wall=%.6f checksum=%.4f\n", posts, cpu, posts / cpu, wall,
                checksum);
    return 0;
  }
  if (mode == "profile" && argc > 3) {
    const std::string what = argv[2];
    const long n = std::atol(argv[3]);
    // The same corpus as sp_sentiment_benchmark (seed 42, 4096 posts, cycled).
    CorpusGenerator gen(42);
    std::vector<std::string> posts;
    for (int i = 0; i < 4096; ++i) posts.push_back(gen.finance_post());
    VaderScorer scorer(Lexicon::builtin(), VaderOptions{.emoji = what != "nltk", .phrases = {}});
    TickerExtractor tickers;
    PostAnalyzer analyzer(scorer, tickers);
    SentimentScores overall;
    std::vector<TickerSentiment> per_ticker;
    double checksum = 0;
    for (long i = 0; i < n; ++i) {
      const std::string& text = posts[static_cast<size_t>(i) & 4095];
      if (what == "analyzer") {
        analyzer.analyze(text, overall, per_ticker);
        checksum += overall.compound;
        for (const auto& t : per_ticker) checksum += t.scores.compound;
      } else {
        checksum += scorer.score(text).compound;
      }
    }
    std::printf("%ld posts checksum=%.4f\n", n, checksum);
    return 0;
  }
  std::cerr << "usage: sp_sentiment_corpus_tool generate N | score FILE | profile MODE N\n";
  return 2;
}
