// sp_kafka_mock_cluster as a separate process, driven the way shell scripts and the end-to-end
// tests drive it, and read with kcat as an independent Kafka client.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "bus/kafka/tests/kafka_test_util.h"

namespace stockpulse {
namespace {

using namespace std::chrono_literals;

// The child process with a pipe to its stdin and from its stdout.
class MockClusterProcess {
 public:
  explicit MockClusterProcess(const std::vector<std::string>& args) {
    int to_child[2], from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(to_child[0], STDIN_FILENO);
      ::dup2(from_child[1], STDOUT_FILENO);
      ::close(to_child[1]);
      ::close(from_child[0]);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(SP_KAFKA_MOCK_CLUSTER_BIN));
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(SP_KAFKA_MOCK_CLUSTER_BIN, argv.data());
      ::_exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    in_ = ::fdopen(to_child[1], "w");
    out_ = ::fdopen(from_child[0], "r");
  }
  ~MockClusterProcess() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (in_) std::fclose(in_);
    if (out_) std::fclose(out_);
  }

  // The next line of the child's stdout, without its newline; "" at end of output.
  std::string read_line() {
    char buf[4096];
    if (out_ == nullptr || std::fgets(buf, sizeof buf, out_) == nullptr) return "";
    std::string s(buf);
    if (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }
  std::string command(const std::string& line) {
    std::fprintf(in_, "%s\n", line.c_str());
    std::fflush(in_);
    return read_line();
  }
  // SIGTERM, then the exit status (-1 if it did not exit normally).
  int terminate() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::FILE* in_ = nullptr;
  std::FILE* out_ = nullptr;
};

std::vector<std::string> run_lines(const std::string& cmd) {
  std::vector<std::string> lines;
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return lines;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p) != nullptr) {
    std::string s(buf);
    if (!s.empty() && s.back() == '\n') s.pop_back();
    lines.push_back(s);
  }
  ::pclose(p);
  return lines;
}

TEST(MockClusterProcessTest, ServesTopicsToKcatAndObeysCommands) {
  MockClusterProcess mc({"--brokers", "2", "pre:3"});
  const std::string bootstraps = mc.read_line();
  ASSERT_NE(bootstraps.find("127.0.0.1:"), std::string::npos)
      << "sp_kafka_mock_cluster did not start (first line: '" << bootstraps << "')";

  EXPECT_EQ(mc.command("topic fresh 2"), "ok");
  EXPECT_EQ(mc.command("down 9").rfind("error", 0), 0u);
  EXPECT_EQ(mc.command("bogus").rfind("error", 0), 0u);

  auto producer = testing::make_producer(bootstraps);
  ASSERT_NE(producer, nullptr);
  for (int i = 0; i < 50; ++i) {
    const std::string key = "K" + std::to_string(i % 5);
    ASSERT_TRUE(producer->produce("fresh", key, key + "=" + std::to_string(i)).ok());
  }
  ASSERT_TRUE(producer->flush(10s));

  // kcat, an independent client, reads everything back.
  const auto lines =
      run_lines("kcat -C -u -q -e -b '" + bootstraps + "' -t fresh -f '%k %s\\n' 2>&1");
  ASSERT_EQ(lines.size(), 50u) << (lines.empty() ? "" : lines.front());
  for (const auto& l : lines) {
    const auto space = l.find(' ');
    ASSERT_NE(space, std::string::npos) << l;
    EXPECT_EQ(l.substr(space + 1, space), l.substr(0, space)) << l;  // value starts with its key
  }
  // The topic given on the command line exists with its partitions.
  const auto meta = run_lines("kcat -L -b '" + bootstraps + "' -t pre 2>&1");
  bool found = false;
  for (const auto& l : meta)
    found |= l.find("topic \"pre\" with 3 partitions") != std::string::npos;
  EXPECT_TRUE(found);

  EXPECT_EQ(mc.command("down 1"), "ok");
  EXPECT_EQ(mc.command("up 1"), "ok");
  EXPECT_EQ(mc.terminate(), 0);
}

}  // namespace
}  // namespace stockpulse
