#include "source/replay_position.h"

#include <charconv>
#include <filesystem>
#include <string_view>

#include "window/checkpoint_file.h"

namespace stockpulse {

namespace {
constexpr std::string_view kMagic = "stockpulse-replay-position 1";

bool parse_i64(std::string_view s, int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}
}  // namespace

std::string encode_replay_position(const ReplayPosition& p) {
  std::string out(kMagic);
  out += "\nbyte_offset=" + std::to_string(p.byte_offset);
  out += "\nrow=" + std::to_string(p.row);
  out += "\nemitted=" + std::to_string(p.emitted);
  out += "\ndead_letters=" + std::to_string(p.dead_letters);
  if (p.sub != 0) out += "\nsub=" + std::to_string(p.sub);
  if (p.duplicates != 0) out += "\nduplicates=" + std::to_string(p.duplicates);
  if (p.has_rebase) {
    out += "\nrebase_from_ms=" + std::to_string(p.rebase_from_ms);
    out += "\nrebase_to_ms=" + std::to_string(p.rebase_to_ms);
  }
  out += "\nend\n";
  return out;
}

Result<ReplayPosition, std::string> decode_replay_position(const std::string& text) {
  std::string_view rest(text);
  auto take_line = [&]() {
    const size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    return line;
  };
  if (take_line() != kMagic) return Err(std::string("not a replay position file"));
  ReplayPosition p;
  bool has_from = false, has_to = false, ended = false;
  int have = 0;
  while (!rest.empty()) {
    const std::string_view line = take_line();
    if (line == "end") {
      ended = true;
      break;
    }
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) return Err("bad line '" + std::string(line) + "'");
    const std::string_view key = line.substr(0, eq);
    int64_t v = 0;
    if (!parse_i64(line.substr(eq + 1), v) || v < 0)
      return Err("bad value in '" + std::string(line) + "'");
    if (key == "byte_offset") {
      p.byte_offset = static_cast<uint64_t>(v);
      ++have;
    } else if (key == "row") {
      p.row = v;
      ++have;
    } else if (key == "emitted") {
      p.emitted = v;
      ++have;
    } else if (key == "dead_letters") {
      p.dead_letters = v;
    } else if (key == "sub") {
      p.sub = v;
    } else if (key == "duplicates") {
      p.duplicates = v;
    } else if (key == "rebase_from_ms") {
      p.rebase_from_ms = v;
      has_from = true;
    } else if (key == "rebase_to_ms") {
      p.rebase_to_ms = v;
      has_to = true;
    }
    // Unknown keys are ignored so that a newer writer stays readable.
  }
  // A file cut short (which the atomic write rules out, but a hand edit does not) is an error.
  if (!ended || have != 3) return Err(std::string("truncated replay position file"));
  if (has_from != has_to) return Err(std::string("incomplete rebase fields"));
  p.has_rebase = has_from;
  return p;
}

bool save_replay_position(const std::string& path, const ReplayPosition& p) {
  return write_file_atomically(path, encode_replay_position(p));
}

Result<std::optional<ReplayPosition>, std::string> load_replay_position(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<ReplayPosition>();
  auto text = read_file(path);
  if (!text) return Err("cannot read replay position " + path);
  auto p = decode_replay_position(*text);
  if (!p) return Err(path + ": " + p.error());
  return std::optional<ReplayPosition>(p.value());
}

}  // namespace stockpulse
