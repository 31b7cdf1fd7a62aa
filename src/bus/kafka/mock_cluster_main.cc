// sp_kafka_mock_cluster: librdkafka's mock Kafka cluster as a process, for shell-driven and
// end-to-end tests.
//
//   sp_kafka_mock_cluster [--brokers N] [--bootstraps-file PATH] [TOPIC[:PARTITIONS]]...
//
// Starts N brokers (default 3) on 127.0.0.1 with random ports, creates the topics (default 6
// partitions each), prints the bootstrap servers as the first line on stdout (and writes them to
// PATH, atomically, if asked), then serves until SIGTERM or SIGINT. While it runs, lines on stdin
// control it, each answered by "ok" or "error: ..." on stdout:
//   down ID          take broker ID (1..N) down      up ID    bring it back
//   topic NAME [P]   create a topic with P partitions (default 6)
// End of stdin is not a stop signal: start it with </dev/null when no control is needed.
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bus/kafka/mock_cluster.h"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) {
  g_stop.store(true);
}

int usage() {
  std::fputs(
      "usage: sp_kafka_mock_cluster [--brokers N] [--bootstraps-file PATH] "
      "[TOPIC[:PARTITIONS]]...\n",
      stderr);
  return 2;
}

std::string run_command(stockpulse::MockKafkaCluster& mc, const std::string& line) {
  std::istringstream in(line);
  std::string verb;
  in >> verb;
  if (verb.empty()) return {};
  if (verb == "down" || verb == "up") {
    int32_t id = 0;
    if (!(in >> id)) return "error: expected a broker id";
    auto r = verb == "down" ? mc.broker_down(id) : mc.broker_up(id);
    return r.ok() ? "ok" : "error: " + r.error();
  }
  if (verb == "topic") {
    std::string name;
    int partitions = 6;
    if (!(in >> name)) return "error: expected a topic name";
    in >> partitions;
    auto r = mc.create_topic(name, partitions);
    return r.ok() ? "ok" : "error: " + r.error();
  }
  return "error: unknown command '" + verb + "' (down ID | up ID | topic NAME [PARTITIONS])";
}

}  // namespace

int main(int argc, char** argv) {
  int brokers = 3;
  std::string bootstraps_file;
  std::vector<std::pair<std::string, int>> topics;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--brokers" && i + 1 < argc) {
      brokers = std::atoi(argv[++i]);
    } else if (arg == "--bootstraps-file" && i + 1 < argc) {
      bootstraps_file = argv[++i];
    } else if (arg == "-h" || arg == "--help") {
      usage();
      return 0;
    } else if (!arg.empty() && arg[0] == '-') {
      return usage();
    } else {
      const auto colon = arg.find(':');
      int partitions = 6;
      if (colon != std::string::npos) partitions = std::atoi(arg.c_str() + colon + 1);
      topics.emplace_back(arg.substr(0, colon), partitions);
    }
  }

  auto started = stockpulse::MockKafkaCluster::start(brokers);
  if (!started.ok()) {
    fmt::print(stderr, "sp_kafka_mock_cluster: {}\n", started.error());
    return 1;
  }
  auto& mc = *started.value();
  for (const auto& [name, partitions] : topics) {
    if (auto r = mc.create_topic(name, partitions); !r.ok()) {
      fmt::print(stderr, "sp_kafka_mock_cluster: {}\n", r.error());
      return 1;
    }
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  if (!bootstraps_file.empty()) {
    // Written to a temporary name and renamed, so a waiting script never reads half a line.
    const std::string tmp = bootstraps_file + ".tmp";
    std::ofstream(tmp) << mc.bootstraps() << '\n';
    std::error_code ec;
    std::filesystem::rename(tmp, bootstraps_file, ec);
    if (ec) {
      fmt::print(stderr, "sp_kafka_mock_cluster: cannot write {}: {}\n", bootstraps_file,
                 ec.message());
      return 1;
    }
  }
  fmt::print("{}\n", mc.bootstraps());
  std::fflush(stdout);

  bool stdin_open = true;
  std::string pending;
  while (!g_stop.load()) {
    if (!stdin_open) {
      ::usleep(100 * 1000);
      continue;
    }
    pollfd pfd{STDIN_FILENO, POLLIN, 0};
    const int n = ::poll(&pfd, 1, 100);
    if (n <= 0) continue;  // timeout, or EINTR from the stop signal
    char buf[4096];
    const ssize_t got = ::read(STDIN_FILENO, buf, sizeof buf);
    if (got <= 0) {
      stdin_open = false;
      continue;
    }
    pending.append(buf, static_cast<size_t>(got));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      const std::string reply = run_command(mc, pending.substr(0, nl));
      pending.erase(0, nl + 1);
      if (!reply.empty()) {
        fmt::print("{}\n", reply);
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
