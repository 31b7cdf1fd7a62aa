// Random streams against a brute-force reference: every window is recomputed from the raw list
// of accepted events, and the accept/reject decision from the watermark rule.
#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "random_stream.h"
#include "test_agg.h"
#include "window/window_engine.h"
#include "window/window_spec.h"

namespace stockpulse::testing {
namespace {

using Engine = WindowEngine<TestAgg>;
using WindowKey = std::pair<std::string, int64_t>;  // key, window start

struct Emitted {
  std::string key;
  int64_t start;
  int64_t end;
  TestAgg agg;
};

// The reference: raw accepted events per key, and the rules of README.md written out naively.
class Reference {
 public:
  Reference(const RandomStream& s) : spec_(s.spec), max_keys_(s.max_keys) {}

  Engine::AddStatus add(const std::string& key, int64_t t, double v) {
    if (has_wm_ && t < wm_) return Engine::AddStatus::kLate;
    if (!events_.count(key) && events_.size() >= max_keys_) return Engine::AddStatus::kKeyLimit;
    events_[key].emplace(t, v);
    for (int64_t s = window_of_first(t); s * spec_.slide_ms <= t; ++s) changed_.insert({key, s});
    return Engine::AddStatus::kAccepted;
  }

  // Windows that must come out when the watermark becomes wm: those with end <= wm holding an
  // event, not emitted before, in (key, start) order.
  std::vector<WindowKey> finals_for(int64_t wm) {
    if (has_wm_ && wm <= wm_) return {};
    has_wm_ = true;
    wm_ = wm;
    std::vector<WindowKey> out;
    for (const auto& w : all_windows()) {
      if (w.second * spec_.slide_ms + spec_.size_ms <= wm && !final_.count(w)) out.push_back(w);
    }
    for (const auto& w : out) final_.insert(w);
    return out;
  }

  // Windows that changed since the last call and are not final.
  std::vector<WindowKey> updates() {
    std::vector<WindowKey> out;
    for (const auto& w : changed_) {
      if (!final_.count(w)) out.push_back(w);
    }
    changed_.clear();
    return out;
  }

  std::vector<WindowKey> flush() {
    std::vector<WindowKey> out;
    int64_t last_end = std::numeric_limits<int64_t>::min();
    for (const auto& w : all_windows()) {
      if (final_.count(w)) continue;
      out.push_back(w);
      last_end = std::max(last_end, w.second * spec_.slide_ms + spec_.size_ms);
    }
    for (const auto& w : out) final_.insert(w);
    if (!out.empty() && (!has_wm_ || last_end > wm_)) {
      has_wm_ = true;
      wm_ = last_end;
    }
    // State emptied: the events stay (for aggregates of windows that can no longer reopen).
    changed_.clear();
    return out;
  }

  TestAgg aggregate(const WindowKey& w) const {
    TestAgg a;
    auto it = events_.find(w.first);
    if (it == events_.end()) return a;
    const int64_t start = w.second * spec_.slide_ms;
    for (auto e = it->second.lower_bound(start);
         e != it->second.end() && e->first < start + spec_.size_ms; ++e) {
      a.add(e->second);
    }
    return a;
  }

  const WindowSpec& spec() const { return spec_; }

 private:
  int64_t window_of_first(int64_t t) const {
    return floor_div(t, spec_.slide_ms) - spec_.panes_per_window() + 1;
  }

  std::set<WindowKey> all_windows() const {
    std::set<WindowKey> out;
    for (const auto& [key, evs] : events_) {
      for (const auto& [t, v] : evs) {
        for (int64_t s = window_of_first(t); s * spec_.slide_ms <= t; ++s) out.insert({key, s});
      }
    }
    return out;
  }

  WindowSpec spec_;
  size_t max_keys_;
  bool has_wm_ = false;
  int64_t wm_ = 0;
  std::map<std::string, std::multimap<int64_t, double>> events_;
  std::set<WindowKey> final_;
  std::set<WindowKey> changed_;
};

void compare(const char* what, size_t step, const Reference& ref,
             const std::vector<WindowKey>& want, const std::vector<Emitted>& got,
             std::vector<std::string>& diffs) {
  auto name = [&](const WindowKey& w) { return w.first + "@" + std::to_string(w.second); };
  if (want.size() != got.size()) {
    std::string s = std::string(what) + " at step " + std::to_string(step) + ": want";
    for (const auto& w : want) s += " " + name(w);
    s += "; got";
    for (const auto& g : got) s += " " + g.key + "@" + std::to_string(g.start);
    diffs.push_back(s);
    return;
  }
  for (size_t i = 0; i < want.size(); ++i) {
    const WindowKey& w = want[i];
    const Emitted& g = got[i];
    const int64_t start = w.second * ref.spec().slide_ms;
    const TestAgg a = ref.aggregate(w);
    if (g.key != w.first || g.start != start || g.end != start + ref.spec().size_ms ||
        g.agg.count != a.count || g.agg.sum != a.sum || g.agg.min != a.min || g.agg.max != a.max) {
      diffs.push_back(std::string(what) + " at step " + std::to_string(step) + ": want " + name(w) +
                      " count " + std::to_string(a.count) + " sum " + std::to_string(a.sum) +
                      ", got " + g.key + "@" + std::to_string(g.start) + " count " +
                      std::to_string(g.agg.count) + " sum " + std::to_string(g.agg.sum));
    }
  }
}

std::vector<std::string> run_against_reference(uint64_t seed) {
  const RandomStream s = make_random_stream(seed);
  Engine::Options options;
  options.spec = s.spec;
  options.max_keys = s.max_keys;
  options.allowed_lateness_ms = s.lateness;
  options.ring_panes = s.ring_panes;
  Engine engine(options);
  Reference ref(s);
  std::vector<std::string> diffs;
  std::vector<Emitted> got;
  auto collect = [&](const WindowResult<TestAgg>& r) {
    got.push_back({std::string(r.key), r.start.value(), r.end.value(), r.agg});
  };
  bool have_max = false;
  int64_t max_t = 0;
  for (size_t i = 0; i < s.steps.size() && diffs.size() < 5; ++i) {
    const StreamStep& st = s.steps[i];
    got.clear();
    switch (st.kind) {
      case StreamStep::Kind::kEvent: {
        const auto status =
            engine.add(st.key, EventTime(st.t), [&](TestAgg& a) { a.add(st.value); });
        const auto want = ref.add(st.key, st.t, st.value);
        if (status != want) {
          diffs.push_back("status at step " + std::to_string(i) + ": want " +
                          std::to_string(static_cast<int>(want)) + " got " +
                          std::to_string(static_cast<int>(status)));
        }
        // The watermark of a single-partition pipeline: max event time - lateness.
        if (!have_max || st.t > max_t) max_t = st.t;
        have_max = true;
        engine.advance_watermark(EventTime(max_t - s.lateness), collect);
        compare("final", i, ref, ref.finals_for(max_t - s.lateness), got, diffs);
        break;
      }
      case StreamStep::Kind::kEmit:
        engine.emit_updates(collect);
        compare("update", i, ref, ref.updates(), got, diffs);
        break;
      case StreamStep::Kind::kFlush:
        engine.flush(collect);
        compare("flush", i, ref, ref.flush(), got, diffs);
        if (engine.pane_count() != 0) diffs.push_back("panes left after flush");
        break;
    }
  }
  return diffs;
}

TEST(WindowProperty, MatchesBruteForceOnRandomStreams) {
  int failed = 0;
  for (uint64_t seed = 1; seed <= 3000 && failed < 3; ++seed) {
    const auto diffs = run_against_reference(seed);
    if (diffs.empty()) continue;
    ++failed;
    std::string all;
    for (const auto& d : diffs) all += "  " + d + "\n";
    ADD_FAILURE() << "seed " << seed << ":\n" << all;
  }
}

}  // namespace
}  // namespace stockpulse::testing
