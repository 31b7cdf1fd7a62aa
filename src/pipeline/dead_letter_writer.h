#pragma once

#include <cstdio>
#include <mutex>
#include <span>
#include <string>

#include "common/dead_letter.h"
#include "decode/json_encoder.h"  // append_dead_letter_json
#include "pipeline/pipeline_metrics.h"

namespace stockpulse {

// The embedded dead-letter stream: one JSON line per rejected record, with stream, partition,
// offset, reason, detail, the first kMaxDeadLetterPayload bytes of the record and its full size.
// Nothing is dropped silently: every letter is written and counted. Thread-safe.

class DeadLetterWriter {
 public:
  // path "none" counts without writing (for benchmarks). Throws std::runtime_error if the file
  // cannot be created.
  // append: keep what an earlier, interrupted run wrote (resuming from a checkpoint).
  DeadLetterWriter(const std::string& path, PipelineMetrics& metrics, bool append = false);
  ~DeadLetterWriter();
  DeadLetterWriter(const DeadLetterWriter&) = delete;
  DeadLetterWriter& operator=(const DeadLetterWriter&) = delete;

  void write(std::span<const DeadLetter> letters);
  void flush();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  PipelineMetrics& metrics_;
  std::mutex mu_;
  std::FILE* file_ = nullptr;
  std::string line_;
};

}  // namespace stockpulse
