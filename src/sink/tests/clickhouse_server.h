#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "sink/http_client.h"

namespace stockpulse::testing {

// A free TCP port on 127.0.0.1 (bound to port 0, read back, released).
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

// A real clickhouse-server (Debian's, 18.16) run by a test as a plain process: its own config on
// free ports of 127.0.0.1, data under `dir`. stop() kills it, start() brings it back on the same
// ports and data, so a test can take the database away mid-run.
// Lifecycle: construct (writes the config), start(), stop()/start() as needed; the destructor
// kills it. Thread-safety: none; one test thread.
class ClickHouseServer {
 public:
  // time_zone: the server's <timezone> (what DateTime text means to it).
  explicit ClickHouseServer(std::filesystem::path dir, const std::string& time_zone = "UTC")
      : dir_(std::move(dir)) {
    http_port_ = free_port();
    tcp_port_ = free_port();
    while (tcp_port_ == http_port_) tcp_port_ = free_port();
    std::filesystem::create_directories(dir_ / "data");
    std::filesystem::create_directories(dir_ / "tmp");
    std::filesystem::create_directories(dir_ / "user_files");
    std::ofstream(dir_ / "users.xml") << R"(<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
)";
    std::ofstream(dir_ / "config.xml")
        << "<yandex>\n"
        << "  <logger><level>warning</level><log>" << (dir_ / "server.log").string()
        << "</log><errorlog>" << (dir_ / "error.log").string()
        << "</errorlog><console>0</console></logger>\n"
        << "  <listen_host>127.0.0.1</listen_host>\n"
        << "  <http_port>" << http_port_ << "</http_port>\n"
        << "  <tcp_port>" << tcp_port_ << "</tcp_port>\n"
        << "  <path>" << (dir_ / "data").string() << "/</path>\n"
        << "  <tmp_path>" << (dir_ / "tmp").string() << "/</tmp_path>\n"
        << "  <user_files_path>" << (dir_ / "user_files").string() << "/</user_files_path>\n"
        << "  <users_config>" << (dir_ / "users.xml").string() << "</users_config>\n"
        << "  <default_profile>default</default_profile>\n"
        << "  <default_database>default</default_database>\n"
        << "  <timezone>" << time_zone << "</timezone>\n"
        << "  <mark_cache_size>5368709</mark_cache_size>\n"
        << "</yandex>\n";
  }
  ~ClickHouseServer() { stop(SIGKILL); }
  ClickHouseServer(const ClickHouseServer&) = delete;
  ClickHouseServer& operator=(const ClickHouseServer&) = delete;

  // Starts the server and waits until it answers /ping; an error message when it cannot.
  std::optional<std::string> start(std::chrono::seconds timeout = std::chrono::seconds(30)) {
    if (pid_ > 0) return std::nullopt;
    const std::string config = "--config-file=" + (dir_ / "config.xml").string();
    const std::string out = (dir_ / "stdout.log").string();
    pid_ = ::fork();
    if (pid_ < 0) return "fork failed";
    if (pid_ == 0) {
      // Child: its own process group, output to a file, then the server.
      ::setpgid(0, 0);
      FILE* f = std::fopen(out.c_str(), "a");
      if (f) {
        ::dup2(fileno(f), 1);
        ::dup2(fileno(f), 2);
      }
      ::execlp("clickhouse-server", "clickhouse-server", config.c_str(), nullptr);
      ::_exit(127);
    }
    HttpClient http;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return "clickhouse-server exited during start-up (status " + std::to_string(status) +
               "; is Debian's clickhouse-server installed? see " + out + " and " +
               (dir_ / "error.log").string() + ")";
      }
      HttpRequest req;
      req.url = "http://127.0.0.1:" + std::to_string(http_port_) + "/ping";
      req.timeout_ms = 1000;
      auto r = http.send(req);
      if (r.ok() && r.value().status == 200) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop(SIGKILL);
    return "clickhouse-server did not answer on port " + std::to_string(http_port_) + " within " +
           std::to_string(timeout.count()) + " s (see " + (dir_ / "error.log").string() + ")";
  }

  // Sends `sig` and waits for the process to exit.
  void stop(int sig = SIGTERM) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  bool running() const { return pid_ > 0; }
  int http_port() const { return http_port_; }
  std::string url(const std::string& db) const {
    return "clickhouse://127.0.0.1:" + std::to_string(http_port_) + "/" + db;
  }

 private:
  std::filesystem::path dir_;
  int http_port_ = 0;
  int tcp_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace stockpulse::testing
