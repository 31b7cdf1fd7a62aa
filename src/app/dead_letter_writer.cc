#include "app/dead_letter_writer.h"

#include <fmt/format.h>

#include <filesystem>
#include <stdexcept>

namespace stockpulse {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t min_cp;
  if (b < 0x80) return 1;
  if ((b & 0xE0) == 0xC0) {
    n = 2;
    min_cp = 0x80;
  } else if ((b & 0xF0) == 0xE0) {
    n = 3;
    min_cp = 0x800;
  } else if ((b & 0xF8) == 0xF0) {
    n = 4;
    min_cp = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  uint32_t cp = b & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

void append_json_string(std::string_view s, std::string& out) {
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (c < 0x20) {
      switch (c) {
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          out += fmt::format("\\u{:04x}", c);
      }
      ++i;
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else {
      const size_t n = utf8_sequence_length(s, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";
        ++i;
      } else {
        out.append(s.data() + i, n);
        i += n;
      }
    }
  }
  out.push_back('"');
}

DeadLetterWriter::DeadLetterWriter(const std::string& path, PipelineMetrics& metrics)
    : path_(path), metrics_(metrics) {
  if (path == "none") return;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) {
    throw std::runtime_error(fmt::format("cannot create dead-letter file '{}'", path));
  }
}

DeadLetterWriter::~DeadLetterWriter() {
  if (file_) std::fclose(file_);
}

void DeadLetterWriter::write(std::span<const DeadLetter> letters) {
  if (letters.empty()) return;
  std::lock_guard lock(mu_);
  for (const DeadLetter& d : letters) {
    metrics_.count_dead(d.reason);
    if (!file_) continue;
    line_.clear();
    line_ += "{\"stream\":";
    append_json_string(d.stream, line_);
    line_ += fmt::format(",\"partition\":{},\"offset\":{},\"reason\":\"{}\",\"detail\":",
                         d.partition.value(), d.offset.value(), reason_name(d.reason));
    append_json_string(d.detail, line_);
    line_ += fmt::format(",\"payload_size\":{},\"payload\":", d.payload_size);
    append_json_string(std::string_view(d.payload).substr(0, kMaxDeadLetterPayload), line_);
    line_ += "}\n";
    std::fwrite(line_.data(), 1, line_.size(), file_);
  }
}

void DeadLetterWriter::flush() {
  std::lock_guard lock(mu_);
  if (file_) std::fflush(file_);
}

}  // namespace stockpulse
