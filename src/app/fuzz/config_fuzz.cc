// libFuzzer target: the TOML configuration (load_config_file, then validate()) on arbitrary
// bytes. A bad file must be a std::runtime_error naming the problem (what `run --config` prints);
// any other exception escaping (std::invalid_argument, std::out_of_range, ...) is a finding, as is
// a configuration that validate() accepts with a floating-point option that is not finite or
// outside its documented range (issue #15, item 5).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "app/config.h"
#include "common/fuzz_input_file.h"

using namespace stockpulse;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FuzzInputFile file(".toml");
  const std::string& path = file.write(std::string_view(reinterpret_cast<const char*>(data), size));
  Config c;
  try {
    c = load_config_file(path);
  } catch (const std::runtime_error& e) {
    check(std::string_view(e.what()).size() > 0);
    return 0;
  }
  if (!c.validate().empty()) return 0;
  const auto& s = c.sources;
  check(std::isfinite(s.speed) && s.speed >= Config::Sources::kMinSpeed &&
        s.speed <= Config::Sources::kMaxSpeed);
  check(std::isfinite(s.posts_per_second) && s.posts_per_second >= 0 &&
        s.posts_per_second <= Config::Sources::kMaxPostsPerSecond);
  check(std::isfinite(s.replay_speed) && s.replay_speed >= 0);
  check(c.pipeline.batch_size > 0 && c.pipeline.queue_capacity > 0 && c.pipeline.workers >= 0);
  check(c.serve.max_connections > 0 && c.serve.max_connections_per_client > 0);
  return 0;
}
