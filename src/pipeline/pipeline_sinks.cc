#include "pipeline/pipeline_sinks.h"

#include <filesystem>
#include <stdexcept>

namespace stockpulse {

void check_config(const Config& config) {
  if (auto problems = config.validate(); !problems.empty()) {
    std::string msg = "invalid configuration:";
    for (const auto& p : problems) msg += "\n  " + p;
    throw std::runtime_error(msg);
  }
}

void prepare_output_dir(const Config& config) {
  if (config.serving_url().rfind("sqlite:", 0) == 0 || !config.lake_root().empty()) {
    std::filesystem::create_directories(config.run.output_dir);
  }
}

PipelineSinks open_pipeline_sinks(const Config& config, const Clock& clock) {
  prepare_output_dir(config);
  PipelineSinks s;
  s.store = open_serving_store(config.serving_url());
  s.lake_sink = open_lake_sink(config, clock);
  if (s.lake_sink) s.lake = &s.lake_sink->writer();
  return s;
}

}  // namespace stockpulse
