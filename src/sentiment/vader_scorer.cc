#include "sentiment/vader_scorer.h"

namespace stockpulse {

struct VaderScorer::Tables {};

VaderScorer::VaderScorer(const Lexicon& lexicon, VaderOptions options)
    : lexicon_(lexicon), options_(std::move(options)), tables_(std::make_unique<Tables>()) {}

VaderScorer::~VaderScorer() = default;

SentimentScores VaderScorer::score(std::string_view) const {
  return {};
}

}  // namespace stockpulse
