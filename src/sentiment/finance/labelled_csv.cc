#include "sentiment/finance/labelled_csv.h"

#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_set>

namespace stockpulse {
namespace {

std::optional<SentimentLabel> parse_label(std::string_view s) {
  // Tolerate surrounding spaces and any letter case: hand-edited files vary in both, and neither
  // changes what the annotator meant.
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string lower(s);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "bullish") return SentimentLabel::kBullish;
  if (lower == "bearish") return SentimentLabel::kBearish;
  if (lower == "neutral") return SentimentLabel::kNeutral;
  // The numeric codes of the Twitter Financial News dataset (data/train/README.md).
  if (lower == "0") return SentimentLabel::kBearish;
  if (lower == "1") return SentimentLabel::kBullish;
  if (lower == "2") return SentimentLabel::kNeutral;
  return std::nullopt;
}

// Splits the content into records of fields, one record at a time.
class CsvRecordReader {
 public:
  explicit CsvRecordReader(std::string_view content) : in_(content) {}

  bool at_end() const { return pos_ >= in_.size(); }
  // Line (1-based) on which the record returned by the last next() started.
  size_t record_line() const { return record_line_; }

  // Reads one record. Returns an error message for an unterminated quote or for characters
  // between a closing quote and the next separator (both would otherwise shift columns).
  Result<std::vector<std::string>, std::string> next() {
    record_line_ = line_;
    std::vector<std::string> fields;
    std::string field;
    bool quoted = false;      // inside a quoted field
    bool was_quoted = false;  // the current field was quoted and its closing quote was seen
    while (pos_ < in_.size()) {
      char c = in_[pos_++];
      if (quoted) {
        if (c == '"') {
          if (pos_ < in_.size() && in_[pos_] == '"') {
            field.push_back('"');
            ++pos_;
          } else {
            quoted = false;
            was_quoted = true;
          }
        } else {
          if (c == '\n') ++line_;
          field.push_back(c);
        }
        continue;
      }
      if (c == ',') {
        fields.push_back(std::move(field));
        field.clear();
        was_quoted = false;
        continue;
      }
      if (c == '\r' && pos_ < in_.size() && in_[pos_] == '\n') continue;
      if (c == '\n') {
        ++line_;
        fields.push_back(std::move(field));
        return fields;
      }
      if (was_quoted) {
        return Err(std::string("unexpected character after closing quote"));
      }
      if (c == '"') {
        if (!field.empty()) return Err(std::string("quote inside an unquoted field"));
        quoted = true;
        continue;
      }
      field.push_back(c);
    }
    if (quoted) return Err(std::string("unterminated quoted field"));
    fields.push_back(std::move(field));
    return fields;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  size_t line_ = 1;
  size_t record_line_ = 1;
};

bool is_blank_record(const std::vector<std::string>& fields) {
  return fields.size() == 1 && fields[0].find_first_not_of(" \t\r") == std::string::npos;
}

}  // namespace

Result<std::vector<LabelledPost>, std::string> parse_labelled_csv(std::string_view content,
                                                                  std::string_view source_name) {
  auto fail = [&](size_t line, const std::string& what) {
    std::ostringstream msg;
    msg << source_name << ':' << line << ": " << what;
    return Err(msg.str());
  };
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (content.starts_with(kBom)) content.remove_prefix(kBom.size());

  CsvRecordReader reader(content);
  bool header_seen = false;
  bool has_id = true;  // `id,text,label`; false for `text,label`
  std::vector<LabelledPost> rows;
  std::unordered_set<std::string> ids;
  while (!reader.at_end()) {
    auto record = reader.next();
    if (!record.ok()) return fail(reader.record_line(), record.error());
    std::vector<std::string>& fields = record.value();
    if (is_blank_record(fields)) continue;
    if (!header_seen) {
      if (fields.size() == 2 && fields[0] == "text" && fields[1] == "label") {
        has_id = false;
      } else if (fields.size() != 3 || fields[0] != "id" || fields[1] != "text" ||
                 fields[2] != "label") {
        return fail(reader.record_line(), "expected header `id,text,label` or `text,label`");
      }
      header_seen = true;
      continue;
    }
    if (rows.size() >= kMaxLabelledRows) {
      return fail(reader.record_line(), "more than " + std::to_string(kMaxLabelledRows) + " rows");
    }
    if (!has_id) {
      if (fields.size() != 2) {
        return fail(reader.record_line(),
                    "expected 2 fields (text,label), got " + std::to_string(fields.size()));
      }
      // Rows without ids are named by their position, which is unique by construction.
      fields.insert(fields.begin(), "row" + std::to_string(rows.size() + 1));
    }
    if (fields.size() != 3) {
      return fail(reader.record_line(),
                  "expected 3 fields (id,text,label), got " + std::to_string(fields.size()));
    }
    if (fields[0].empty()) return fail(reader.record_line(), "empty id");
    auto label = parse_label(fields[2]);
    if (!label) {
      return fail(reader.record_line(),
                  "label must be bullish, bearish, neutral, 0, 1 or 2, got `" + fields[2] + "`");
    }
    // A duplicated id usually means a row was pasted twice, which would weight it double.
    if (!ids.insert(fields[0]).second) {
      return fail(reader.record_line(), "duplicate id `" + fields[0] + "`");
    }
    rows.push_back(LabelledPost{std::move(fields[0]), std::move(fields[1]), *label});
  }
  if (!header_seen) return fail(1, "empty file: expected header `id,text,label` or `text,label`");
  return rows;
}

Result<std::vector<LabelledPost>, std::string> read_labelled_csv(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Err("cannot open " + path);
  file.seekg(0, std::ios::end);
  const std::streamoff size = file.tellg();
  if (size < 0 || size > static_cast<std::streamoff>(kMaxLabelledFileBytes)) {
    return Err(path + ": larger than " + std::to_string(kMaxLabelledFileBytes) + " bytes");
  }
  file.seekg(0);
  std::ostringstream content;
  content << file.rdbuf();
  if (file.bad()) return Err("cannot read " + path);
  return parse_labelled_csv(content.str(), path);
}

}  // namespace stockpulse
