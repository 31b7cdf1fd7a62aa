#include "sentiment/tests/nltk_oracle.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "sentiment/unicode_text.h"

namespace stockpulse::testing {

std::string json_string(std::string_view s) {
  std::string out = "\"";
  const char* p = s.data();
  const char* end = p + s.size();
  char buf[16];
  while (p < end) {
    uint32_t cp;
    p += unicode_text::decode(p, end, cp);
    if (cp == '"' || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp >= 0x20 && cp < 0x7F) {
      out += static_cast<char>(cp);
    } else if (cp < 0x10000) {
      std::snprintf(buf, sizeof buf, "\\u%04x", cp);
      out += buf;
    } else {
      const uint32_t v = cp - 0x10000;
      std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
      out += buf;
    }
  }
  return out + "\"";
}

OracleAnswer run_nltk_oracle(const std::vector<std::string>& texts, int jobs) {
  OracleAnswer ans;
  char in_path[] = "/tmp/sp_vader_oracle_in_XXXXXX";
  const int fd = mkstemp(in_path);
  if (fd < 0) {
    ans.error = "cannot create a temporary file";
    return ans;
  }
  close(fd);
  {
    std::ofstream in(in_path, std::ios::binary);
    for (const std::string& t : texts) in << json_string(t) << '\n';
  }
  const std::string err_path = std::string(in_path) + ".err";
  const std::string script = STOCKPULSE_SOURCE_DIR "/src/sentiment/tests/nltk_vader_oracle.py";
  const std::string cmd = "/usr/bin/python3 '" + script +
                          "' --lexicon '" VADER_LEXICON_PATH "' --jobs " + std::to_string(jobs) +
                          " < '" + in_path + "' 2> '" + err_path + "'";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) {
    ans.error = "popen failed for: " + cmd;
    std::remove(in_path);
    return ans;
  }
  char line[512];
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    SentimentScores s;
    if (std::sscanf(line, "%lf %lf %lf %lf", &s.compound, &s.pos, &s.neu, &s.neg) != 4) {
      ans.error = std::string("unparsable oracle line: ") + line;
      break;
    }
    ans.scores.push_back(s);
  }
  const int status = pclose(pipe);
  std::ifstream err(err_path);
  std::stringstream err_text;
  err_text << err.rdbuf();
  std::remove(in_path);
  std::remove(err_path.c_str());
  if (ans.error.empty() && (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
    ans.error =
        "NLTK oracle failed (is Debian's python3-nltk installed for /usr/bin/python3?)\n"
        "command: " +
        cmd + "\nstderr: " + err_text.str();
  }
  if (ans.error.empty() && ans.scores.size() != texts.size()) {
    ans.error = "NLTK oracle returned " + std::to_string(ans.scores.size()) + " scores for " +
                std::to_string(texts.size()) + " texts; stderr: " + err_text.str();
  }
  return ans;
}

bool same_to_4_decimals(const SentimentScores& a, const SentimentScores& b) {
  return std::fabs(a.compound - b.compound) < 5e-5 && std::fabs(a.pos - b.pos) < 5e-5 &&
         std::fabs(a.neu - b.neu) < 5e-5 && std::fabs(a.neg - b.neg) < 5e-5;
}

std::string describe(const SentimentScores& s) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "compound=%.4f pos=%.3f neu=%.3f neg=%.3f", s.compound, s.pos,
                s.neu, s.neg);
  return buf;
}

}  // namespace stockpulse::testing
