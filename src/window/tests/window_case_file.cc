#include "window_case_file.h"

#include <cmath>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <optional>
#include <sstream>

#include "common/clock.h"
#include "test_agg.h"
#include "window/watermark_tracker.h"
#include "window/window_engine.h"

namespace stockpulse::testing {
namespace {

using Engine = WindowEngine<TestAgg>;

// "300000", "5m", "1m30s", "250ms", and sums/differences of those: "5m-1", "-1m+30s".
std::optional<int64_t> parse_time(const std::string& text) {
  int64_t total = 0;
  size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    int64_t sign = 1;
    if (text[i] == '+' || text[i] == '-') {
      sign = text[i] == '-' ? -1 : 1;
      ++i;
    } else if (any) {
      return std::nullopt;
    }
    // One term: digits with a unit, repeated ("1m30s"); a bare number is milliseconds.
    int64_t term = 0;
    bool digits_seen = false;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      const size_t start = i;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
      int64_t v = std::stoll(text.substr(start, i - start));
      std::string unit;
      while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) {
        unit += text[i++];
      }
      if (unit == "h") {
        v *= 3600000;
      } else if (unit == "m") {
        v *= 60000;
      } else if (unit == "s") {
        v *= 1000;
      } else if (!unit.empty() && unit != "ms") {
        return std::nullopt;
      }
      term += v;
      digits_seen = true;
    }
    if (!digits_seen) return std::nullopt;
    total += sign * term;
    any = true;
  }
  if (!any) return std::nullopt;
  return total;
}

struct Output {
  std::string kind;  // final | update
  std::string key;
  int64_t start = 0;
  int64_t end = 0;
  TestAgg agg;
};

std::string format_value(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

std::string describe(const Output& o) {
  std::string s = o.kind + " " + o.key + " " + std::to_string(o.start) + " " +
                  std::to_string(o.end) + " count=" + std::to_string(o.agg.count) +
                  " sum=" + format_value(o.agg.sum);
  if (o.agg.count > 0) s += " min=" + format_value(o.agg.min) + " max=" + format_value(o.agg.max);
  return s;
}

bool close(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b));
}

const char* status_name(Engine::AddStatus s) {
  switch (s) {
    case Engine::AddStatus::kAccepted:
      return "accepted";
    case Engine::AddStatus::kLate:
      return "late";
    case Engine::AddStatus::kKeyLimit:
      return "key_limit";
    case Engine::AddStatus::kOutOfRange:
      return "out_of_range";
  }
  return "?";
}

class CaseRunner {
 public:
  std::vector<std::string> run(const std::string& path) {
    std::ifstream in(path);
    if (!in) return {"cannot open " + path};
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
      std::istringstream ls(line);
      std::vector<std::string> tok;
      for (std::string t; ls >> t;) tok.push_back(t);
      if (tok.empty()) continue;
      where_ = "line " + std::to_string(line_no) + " (" + line + ")";
      if (!command(tok)) failures_.push_back(where_ + ": cannot parse");
      if (failures_.size() > 50) break;
    }
    where_ = "end of file";
    check_no_pending();
    return failures_;
  }

 private:
  bool header(const std::vector<std::string>& tok) {
    if (engine_) {
      failures_.push_back(where_ + ": header lines must come before the first command");
      return true;
    }
    if (tok[0] == "window" && tok.size() == 3) {
      auto size = parse_time(tok[1]);
      auto slide = parse_time(tok[2]);
      if (!size || !slide) return false;
      options_.spec = {*size, *slide};
    } else if (tok[0] == "lateness" && tok.size() == 2) {
      auto v = parse_time(tok[1]);
      if (!v) return false;
      lateness_ = *v;
    } else if (tok[0] == "idle" && tok.size() == 2) {
      auto v = parse_time(tok[1]);
      if (!v) return false;
      idle_ = *v;
    } else if (tok[0] == "max_keys" && tok.size() == 2) {
      options_.max_keys = std::stoull(tok[1]);
    } else if (tok[0] == "ring" && tok.size() == 2) {
      options_.ring_panes = static_cast<uint32_t>(std::stoul(tok[1]));
    } else {
      return false;
    }
    return true;
  }

  void start() {
    if (engine_) return;
    options_.allowed_lateness_ms = lateness_;
    engine_.emplace(options_);
    tracker_.emplace(lateness_, idle_);
  }

  auto record(const char* kind) {
    return [this, kind](const WindowResult<TestAgg>& r) {
      pending_.push_back({kind, std::string(r.key), r.start.value(), r.end.value(), r.agg});
    };
  }

  bool command(const std::vector<std::string>& tok) {
    const std::string& c = tok[0];
    if (c == "window" || c == "lateness" || c == "idle" || c == "max_keys" || c == "ring") {
      return header(tok);
    }
    start();
    if (c == "expect") return expect(tok);
    check_no_pending();
    if (c == "event" && (tok.size() == 5 || tok.size() == 6)) {
      auto t = parse_time(tok[3]);
      if (!t) return false;
      const int partition = std::stoi(tok[1]);
      const double value = std::stod(tok[4]);
      // The pipeline's per-record rule (WindowStage::admit): out of range, then late for the
      // tracker (behind its partition's watermark or the watermark handed out), then the
      // tracker observes the time and the engine's watermark follows before the add.
      Engine::AddStatus status = Engine::AddStatus::kOutOfRange;
      if (*t <= Engine::kMaxTimeMs && *t >= -Engine::kMaxTimeMs) {
        const bool late = tracker_->is_late(PartitionId(partition), EventTime(*t));
        tracker_->observe(PartitionId(partition), EventTime(*t), clock_.now());
        pump();
        status = late ? Engine::AddStatus::kLate
                      : engine_->add(tok[2], EventTime(*t), [&](TestAgg& a) { a.add(value); });
        if (late) ++tracker_late_;
      }
      const std::string want = tok.size() == 6 ? tok[5] : "accepted";
      if (want != status_name(status)) {
        failures_.push_back(where_ + ": event status " + status_name(status) + ", expected " +
                            want);
      }
    } else if (c == "advance" && tok.size() == 2) {
      auto ms = parse_time(tok[1]);
      if (!ms) return false;
      clock_.advance(*ms);
      pump();
    } else if (c == "end" && tok.size() == 2) {
      tracker_->end_of_input(PartitionId(std::stoi(tok[1])));
      pump();
    } else if (c == "watermark" && tok.size() == 2) {
      auto t = parse_time(tok[1]);
      if (!t) return false;
      engine_->advance_watermark(EventTime(*t), record("final"));
    } else if (c == "emit" && tok.size() == 1) {
      engine_->emit_updates(record("update"));
    } else if (c == "flush" && tok.size() == 1) {
      engine_->flush(record("final"));
    } else if (c == "check" && tok.size() >= 2) {
      return check(tok);
    } else {
      return false;
    }
    return true;
  }

  // Feeds the tracker's watermark to the engine, as the pipeline does after every event.
  void pump() {
    if (auto wm = tracker_->watermark(clock_.now())) {
      engine_->advance_watermark(*wm, record("final"));
    }
  }

  void check_no_pending() {
    for (const Output& o : pending_) {
      failures_.push_back(where_ + ": unexpected output before this point: " + describe(o));
    }
    pending_.clear();
  }

  bool expect(const std::vector<std::string>& tok) {
    if (tok.size() < 6 || (tok[1] != "final" && tok[1] != "update")) return false;
    Output want;
    want.kind = tok[1];
    want.key = tok[2];
    auto start = parse_time(tok[3]);
    auto end = parse_time(tok[4]);
    if (!start || !end) return false;
    want.start = *start;
    want.end = *end;
    std::optional<double> min, max;
    bool have_count = false;
    for (size_t i = 5; i < tok.size(); ++i) {
      const auto eq = tok[i].find('=');
      if (eq == std::string::npos) return false;
      const std::string name = tok[i].substr(0, eq);
      const std::string value = tok[i].substr(eq + 1);
      if (name == "count") {
        want.agg.count = std::stoll(value);
        have_count = true;
      } else if (name == "sum") {
        want.agg.sum = std::stod(value);
      } else if (name == "min") {
        min = std::stod(value);
      } else if (name == "max") {
        max = std::stod(value);
      } else {
        return false;
      }
    }
    if (!have_count) return false;
    if (pending_.empty()) {
      failures_.push_back(where_ + ": missing output");
      return true;
    }
    const Output got = pending_.front();
    pending_.pop_front();
    bool same = got.kind == want.kind && got.key == want.key && got.start == want.start &&
                got.end == want.end && got.agg.count == want.agg.count &&
                close(got.agg.sum, want.agg.sum) && (!min || close(got.agg.min, *min)) &&
                (!max || close(got.agg.max, *max));
    if (!same) failures_.push_back(where_ + ": got " + describe(got));
    return true;
  }

  bool check(const std::vector<std::string>& tok) {
    for (size_t i = 1; i < tok.size(); ++i) {
      const auto eq = tok[i].find('=');
      if (eq == std::string::npos) return false;
      const std::string name = tok[i].substr(0, eq);
      const std::string value = tok[i].substr(eq + 1);
      std::string got;
      if (name == "late") {
        got = std::to_string(engine_->late_count() + tracker_late_);
      } else if (name == "key_limit") {
        got = std::to_string(engine_->key_limit_count());
      } else if (name == "keys") {
        got = std::to_string(engine_->key_count());
      } else if (name == "panes") {
        got = std::to_string(engine_->pane_count());
      } else if (name == "overflow") {
        got = std::to_string(engine_->overflow_pane_count());
      } else if (name == "watermark") {
        auto wm = engine_->watermark();
        got = wm ? std::to_string(wm->value()) : "none";
        if (value != "none") {
          auto v = parse_time(value);
          if (!v) return false;
          if (!wm || wm->value() != *v) failures_.push_back(where_ + ": watermark is " + got);
          continue;
        }
      } else {
        return false;
      }
      if (got != value) failures_.push_back(where_ + ": " + name + " is " + got);
    }
    return true;
  }

  Engine::Options options_;
  int64_t lateness_ = 600000;
  int64_t idle_ = 30000;
  std::optional<Engine> engine_;
  std::optional<WatermarkTracker> tracker_;
  uint64_t tracker_late_ = 0;  // events the tracker ruled late (the engine never saw them)
  SimulatedClock clock_{0};
  std::deque<Output> pending_;
  std::vector<std::string> failures_;
  std::string where_;
};

}  // namespace

std::vector<std::string> run_window_case(const std::string& path) {
  return CaseRunner().run(path);
}

}  // namespace stockpulse::testing
