#include "pipeline/dead_letter_writer.h"

#include "decode/json_encoder.h"

#include <fmt/format.h>

#include <filesystem>
#include <stdexcept>

namespace stockpulse {

DeadLetterWriter::DeadLetterWriter(const std::string& path, PipelineMetrics& metrics, bool append)
    : path_(path), metrics_(metrics) {
  if (path == "none") return;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  file_ = std::fopen(path.c_str(), append ? "a" : "w");
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
    append_dead_letter_json(d, line_);
    line_ += '\n';
    std::fwrite(line_.data(), 1, line_.size(), file_);
  }
}

void DeadLetterWriter::flush() {
  std::lock_guard lock(mu_);
  if (file_) std::fflush(file_);
}

}  // namespace stockpulse
