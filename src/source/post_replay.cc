#include "source/post_replay.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "common/time_format.h"
#include "decode/json_encoder.h"
#include "source/json_record_reader.h"
#include "source/parquet_post_reader.h"
#include "source/post_columns.h"
#include "source/post_deduplicator.h"
#include "source/record_reader.h"
#include "source/social_post_parser.h"

namespace stockpulse {

// One input row after format-specific parsing, before validation. Views stay valid until the
// next row is read.
struct RawPostRow {
  enum class Kind : uint8_t { kRow, kTooLarge, kMalformed, kWrongType };
  Kind kind = Kind::kRow;
  std::string detail;  // for the non-kRow kinds
  bool has_time = false;
  std::optional<int64_t> time_ms;  // typed timestamps (Parquet TIMESTAMP columns)
  std::string_view time_text;
  bool has_text = false;
  std::string_view text;
  std::string_view id;
  std::string_view user;
  std::string_view source;   // JSON lines: the record's own "source" (the bus contract's field)
  std::string_view payload;  // the record as read, for dead letters (may be a prefix)
  uint64_t payload_size = 0;
  uint64_t end_offset = 0;  // byte offset of the next record (text formats)
  int64_t sub = 0;          // posts of the record at end_offset already consumed
  // The contract's optional fields, when a JSON line has them.
  const std::vector<std::string>* symbols = nullptr;
  std::optional<SentimentLabel> label;
  // Social formats: the post as SocialPostParser mapped it (the fields above are unused).
  const SocialPost* social = nullptr;
};

// A source of rows of one file format.
class PostReplay::Rows {
 public:
  enum class Next : uint8_t { kRow, kEnd, kError };
  virtual ~Rows() = default;
  virtual Next next(RawPostRow& row) = 0;
  virtual const std::string& error() const = 0;
  virtual uint64_t total_bytes() const { return 0; }
  virtual int64_t total_rows() const { return -1; }
};

namespace {

// A record over the size limit, as the dead letter it becomes.
RawPostRow too_large_row(const Record& rec) {
  RawPostRow row;
  row.kind = RawPostRow::Kind::kTooLarge;
  row.detail = "record of " + std::to_string(rec.full_size) + " bytes is over the limit";
  row.payload = rec.text;
  row.payload_size = rec.full_size;
  row.end_offset = rec.end_offset;
  return row;
}

// Rank of `key` in `names` (lower is preferred), or -1.
template <size_t N>
int rank_of(std::string_view key, const std::array<std::string_view, N>& names) {
  const std::string k = PostColumns::normalise(key);
  for (size_t i = 0; i < N; ++i)
    if (k == names[i]) return static_cast<int>(i);
  return -1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

// CSV and JSON lines: records from a RecordReader, split into fields.
class PostReplay::TextRows final : public PostReplay::Rows {
 public:
  TextRows(PostFileFormat format, const PostReplayOptions& o)
      : csv_(format == PostFileFormat::kCsv),
        reader_(RecordReaderOptions{.syntax = csv_ ? RecordSyntax::kCsv : RecordSyntax::kLines,
                                    .block_bytes = o.block_bytes,
                                    .max_record_bytes = o.max_record_bytes}) {}

  std::optional<std::string> open(const std::string& path, uint64_t start_offset) {
    if (auto err = reader_.open(path, 0)) return err;
    if (csv_) {
      // The header is always read from the top, also when resuming further on.
      Record header;
      const RecordStatus st = reader_.next(header);
      if (st == RecordStatus::kError) return "cannot read " + path + ": " + reader_.error();
      if (st != RecordStatus::kRecord) return path + ": no CSV header";
      delimiter_ = detect_csv_delimiter(header.text);
      split_csv_record(header.text, delimiter_, fields_);
      columns_ = PostColumns::from_names(fields_);
      if (columns_.time < 0)
        return path + ": no created_at (or date/timestamp) column in the header";
      if (columns_.text < 0) return path + ": no text column in the header";
      if (start_offset < header.end_offset) start_offset = header.end_offset;
    }
    if (start_offset > 0 && start_offset != reader_.position()) {
      if (auto err = reader_.seek(start_offset)) return path + ": " + *err;
    }
    return std::nullopt;
  }

  Next next(RawPostRow& row) override {
    Record rec;
    const RecordStatus st = reader_.next(rec);
    switch (st) {
      case RecordStatus::kEof:
        return Next::kEnd;
      case RecordStatus::kError:
        return Next::kError;
      case RecordStatus::kTooLong:
        row = too_large_row(rec);
        return Next::kRow;
      case RecordStatus::kRecord:
        break;
    }
    row = RawPostRow{};
    row.payload = rec.text;
    row.payload_size = rec.full_size;
    row.end_offset = rec.end_offset;
    if (csv_)
      parse_csv(rec.text, row);
    else
      parse_json(rec.text, row);
    return Next::kRow;
  }

  const std::string& error() const override { return reader_.error(); }
  uint64_t total_bytes() const override { return reader_.file_size(); }

 private:
  void parse_csv(std::string_view text, RawPostRow& row) {
    split_csv_record(text, delimiter_, fields_);
    auto field = [&](int c, bool* present) -> std::string_view {
      const bool ok = c >= 0 && static_cast<size_t>(c) < fields_.size();
      if (present) *present = ok && !trim(fields_[static_cast<size_t>(c)]).empty();
      return ok ? std::string_view(fields_[static_cast<size_t>(c)]) : std::string_view();
    };
    row.time_text = trim(field(columns_.time, &row.has_time));
    row.text = field(columns_.text, &row.has_text);
    row.id = trim(field(columns_.id, nullptr));
    row.user = trim(field(columns_.user, nullptr));
  }

  void parse_json(std::string_view text, RawPostRow& row) {
    padded_.resize(text.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(padded_.data(), text.data(), text.size());
    simdjson::ondemand::document doc;
    if (parser_.iterate(padded_.data(), text.size(), padded_.size()).get(doc)) {
      return malformed(row, "not JSON");
    }
    simdjson::ondemand::object obj;
    if (doc.get_object().get(obj)) return malformed(row, "not a JSON object");
    int best_time = 99, best_text = 99, best_id = 99, best_user = 99;
    for (auto field : obj) {
      std::string_view key;
      if (field.unescaped_key().get(key)) return malformed(row, "bad key");
      simdjson::ondemand::value value;
      if (field.value().get(value)) return malformed(row, "bad value");
      int r = 0;
      if ((r = rank_of(key, PostColumns::kTimeNames)) >= 0 && r < best_time) {
        best_time = r;
        if (!scalar_text(value, time_, row)) return;
        row.time_text = trim(time_);
        row.has_time = !row.time_text.empty();
      } else if ((r = rank_of(key, PostColumns::kTextNames)) >= 0 && r < best_text) {
        best_text = r;
        std::string_view s;
        simdjson::ondemand::json_type type;
        if (value.type().get(type)) return malformed(row, "bad value");
        if (type == simdjson::ondemand::json_type::null) {
          row.has_text = false;
          continue;
        }
        if (value.get_string().get(s)) {
          row.kind = RawPostRow::Kind::kWrongType;
          row.detail = "field '" + std::string(key) + "' is not a string";
          return;
        }
        text_.assign(s);
        row.text = text_;
        row.has_text = true;
      } else if ((r = rank_of(key, PostColumns::kIdNames)) >= 0 && r < best_id) {
        best_id = r;
        if (!scalar_text(value, id_, row)) return;
        row.id = id_;
      } else if ((r = rank_of(key, PostColumns::kUserNames)) >= 0 && r < best_user) {
        best_user = r;
        simdjson::ondemand::json_type type;
        if (value.type().get(type)) return malformed(row, "bad value");
        if (type == simdjson::ondemand::json_type::object) {
          // Twitter API objects: {"user": {"screen_name": "..."}}
          simdjson::ondemand::object u;
          if (value.get_object().get(u)) return malformed(row, "bad user object");
          user_.clear();
          for (auto uf : u) {
            std::string_view uk, uv;
            if (uf.unescaped_key().get(uk)) return malformed(row, "bad key");
            if ((uk == "screen_name" || uk == "username") && !uf.value().get_string().get(uv))
              user_.assign(uv);
          }
        } else if (!scalar_text(value, user_, row)) {
          return;
        }
        row.user = user_;
      } else if (key == "source") {
        // Records in the bus contract carry where they came from; keep it. Files without the
        // field get PostReplayOptions::source.
        std::string_view s;
        if (!value.get_string().get(s)) {
          source_.assign(s.substr(0, 256));
          row.source = source_;
        }
      } else if (key == "symbols" || key == "label") {
        // The contract's optional fields (a StockTwits post produced before): kept, so a
        // contract file replays to the same posts.
        if (!contract_extra(key, value, row)) return;
      }
    }
  }

  bool contract_extra(std::string_view key, simdjson::ondemand::value& value, RawPostRow& row) {
    simdjson::ondemand::json_type type;
    if (value.type().get(type)) {
      malformed(row, "bad value");
      return false;
    }
    if (type == simdjson::ondemand::json_type::null) return true;
    auto wrong = [&](const char* what) {
      row.kind = RawPostRow::Kind::kWrongType;
      row.detail = what;
      return false;
    };
    if (key == "label") {
      std::string_view s;
      if (value.get_string().get(s)) return wrong("field 'label' is not a string");
      if (s == "bullish") {
        row.label = SentimentLabel::kBullish;
      } else if (s == "bearish") {
        row.label = SentimentLabel::kBearish;
      } else if (s == "neutral") {
        row.label = SentimentLabel::kNeutral;
      } else {
        return wrong("field 'label' must be bullish, neutral or bearish");
      }
      return true;
    }
    simdjson::ondemand::array arr;
    if (value.get_array().get(arr)) return wrong("field 'symbols' is not an array");
    symbols_.clear();
    for (auto element : arr) {
      std::string_view s;
      if (element.get_string().get(s)) return wrong("field 'symbols' must hold strings only");
      if (!s.empty()) symbols_.emplace_back(s);
    }
    row.symbols = &symbols_;
    return true;
  }

  // A string, or a number kept as its digits (tweet ids exceed 2^53), into out.
  bool scalar_text(simdjson::ondemand::value& value, std::string& out, RawPostRow& row) {
    simdjson::ondemand::json_type type;
    if (value.type().get(type)) {
      malformed(row, "bad value");
      return false;
    }
    out.clear();
    if (type == simdjson::ondemand::json_type::string) {
      std::string_view s;
      if (value.get_string().get(s)) {
        malformed(row, "bad string");
        return false;
      }
      out.assign(s);
    } else if (type == simdjson::ondemand::json_type::number) {
      out.assign(trim(value.raw_json_token()));
    } else if (type != simdjson::ondemand::json_type::null) {
      row.kind = RawPostRow::Kind::kWrongType;
      row.detail = "a post field is neither a string nor a number";
      return false;
    }
    return true;
  }

  static void malformed(RawPostRow& row, const char* why) {
    row.kind = RawPostRow::Kind::kMalformed;
    row.detail = why;
  }

  bool csv_;
  RecordReader reader_;
  char delimiter_ = ',';
  PostColumns columns_;
  std::vector<std::string> fields_;
  simdjson::ondemand::parser parser_;
  std::string padded_;
  std::string time_, text_, id_, user_, source_;
  std::vector<std::string> symbols_;
};

class PostReplay::ParquetRows final : public PostReplay::Rows {
 public:
  std::optional<std::string> open(const std::string& path, int64_t start_row) {
    return reader_.open(path, start_row);
  }
  Next next(RawPostRow& row) override {
    ParquetPostRow p;
    switch (reader_.next(p)) {
      case ParquetPostReader::Status::kEnd:
        return Next::kEnd;
      case ParquetPostReader::Status::kError:
        return Next::kError;
      case ParquetPostReader::Status::kRow:
        break;
    }
    row = RawPostRow{};
    row.has_time = p.has_time;
    if (p.has_time && p.time_is_epoch_ms) row.time_ms = p.time_ms;
    row.time_text = trim(p.time_text);
    if (p.has_time && !p.time_is_epoch_ms && row.time_text.empty()) row.has_time = false;
    row.has_text = p.has_text && !trim(p.text).empty();
    row.text = p.text;
    row.id = trim(p.id);
    row.user = trim(p.user);
    // Parquet rows have no text form; the dead-letter payload is the post text.
    row.payload = p.text.substr(0, kMaxDeadLetterPayload);
    row.payload_size = p.text.size();
    return Next::kRow;
  }
  const std::string& error() const override { return reader_.error(); }
  int64_t total_rows() const override { return reader_.total_rows(); }

 private:
  ParquetPostReader reader_;
};

// The social formats: records from a RecordReader (JSON lines) or a JsonRecordReader (an array,
// tweets.js, pretty-printed values), each parsed into posts by a SocialPostParser.
class PostReplay::SocialRows final : public PostReplay::Rows {
 public:
  SocialRows(PostFileFormat format, const PostReplayOptions& o)
      : parser_(format),
        reader_options_{.syntax = RecordSyntax::kLines,
                        .block_bytes = o.block_bytes,
                        .max_record_bytes = o.max_record_bytes} {}

  // `sub` posts of the record at `offset` were consumed already.
  std::optional<std::string> open(const std::string& path, uint64_t offset, int64_t sub) {
    const JsonLayout layout = path == "-" ? JsonLayout::kLines : sniff_json_layout(path);
    if (layout == JsonLayout::kLines) {
      lines_ = std::make_unique<RecordReader>(reader_options_);
      if (auto err = lines_->open(path, offset)) return err;
    } else {
      documents_ = std::make_unique<JsonRecordReader>(reader_options_);
      if (auto err = documents_->open(path, offset)) return err;
    }
    if (sub > 0) {
      RawPostRow skipped;
      for (int64_t i = 0; i < sub; ++i) {
        if (next(skipped) != Next::kRow || (i + 1 < sub && skipped.sub == 0))
          return path + ": the record at byte " + std::to_string(offset) + " has fewer than " +
                 std::to_string(sub) + " posts; was the file changed?";
      }
    }
    return std::nullopt;
  }

  Next next(RawPostRow& row) override {
    while (index_ >= posts_.size()) {
      Record rec;
      const RecordStatus st = lines_ ? lines_->next(rec) : documents_->next(rec);
      switch (st) {
        case RecordStatus::kEof:
          return Next::kEnd;
        case RecordStatus::kError:
          return Next::kError;
        case RecordStatus::kTooLong:
          row = too_large_row(rec);
          return Next::kRow;
        case RecordStatus::kRecord:
          break;
      }
      parser_.parse(rec.text, posts_);
      index_ = 0;
      record_ = rec;
    }
    const SocialPost& p = posts_[index_++];
    row = RawPostRow{};
    row.social = &p;
    // A post of a many-post record that is bad is shown by itself when the parser kept it.
    row.payload = p.raw.empty() ? record_.text : std::string_view(p.raw);
    row.payload_size = p.raw.empty() ? record_.full_size : p.raw.size();
    if (index_ < posts_.size()) {
      row.end_offset = record_.begin_offset;
      row.sub = static_cast<int64_t>(index_);
    } else {
      row.end_offset = record_.end_offset;
    }
    return Next::kRow;
  }

  const std::string& error() const override {
    return lines_ ? lines_->error() : documents_->error();
  }
  uint64_t total_bytes() const override {
    return lines_ ? lines_->file_size() : documents_ ? documents_->file_size() : 0;
  }

 private:
  SocialPostParser parser_;
  RecordReaderOptions reader_options_;
  std::unique_ptr<RecordReader> lines_;
  std::unique_ptr<JsonRecordReader> documents_;
  std::vector<SocialPost> posts_;
  size_t index_ = 0;
  Record record_;  // the record posts_ came from; its text stays valid until the next read
};

PostReplay::PostReplay(PostReplayOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

PostReplay::~PostReplay() = default;

std::optional<std::string> PostReplay::open(const std::string& path, const ReplayPosition& from) {
  format_ =
      options_.format == PostFileFormat::kAuto ? detect_post_file_format(path) : options_.format;
  if (options_.dedupe) dedupe_ = std::make_unique<PostDeduplicator>(options_.dedupe_max_entries);
  if (dedupe_ && from.row > 0) {
    // The posts before `from` decide what is a repeat after it: read them again (emitting
    // nothing), so a resumed replay skips exactly what an uninterrupted one would.
    if (auto err = open_rows(path, ReplayPosition{})) return err;
    Post post;
    DeadLetter letter;
    while (position_.row < from.row) {
      const ReplayStatus st = next(post, letter);
      if (st == ReplayStatus::kEnd || st == ReplayStatus::kError) break;
    }
    if (position_.row != from.row ||
        (format_ != PostFileFormat::kParquet &&
         (position_.byte_offset != from.byte_offset || position_.sub != from.sub))) {
      return path + ": the saved position (row " + std::to_string(from.row) + ", byte " +
             std::to_string(from.byte_offset) +
             ") is not where re-reading the file leads; was the file changed?";
    }
    position_ = from;
    paced_started_ = false;
    has_rate_slot_ = false;
    due_ms_ = 0;
  } else if (auto err = open_rows(path, from)) {
    return err;
  }
  position_ = from;
  start_clock_ms_ = clock_.now().value();
  start_row_ = from.row;
  start_bytes_ = from.byte_offset;
  return std::nullopt;
}

std::optional<std::string> PostReplay::open_rows(const std::string& path,
                                                 const ReplayPosition& from) {
  position_ = from;
  if (format_ == PostFileFormat::kParquet) {
    auto rows = std::make_unique<ParquetRows>();
    if (auto err = rows->open(path, from.row)) return err;
    rows_ = std::move(rows);
  } else if (is_social_format(format_)) {
    auto rows = std::make_unique<SocialRows>(format_, options_);
    if (auto err = rows->open(path, from.byte_offset, from.sub)) return err;
    rows_ = std::move(rows);
  } else {
    auto rows = std::make_unique<TextRows>(format_, options_);
    if (auto err = rows->open(path, from.byte_offset)) return err;
    rows_ = std::move(rows);
  }
  return std::nullopt;
}

ReplayStatus PostReplay::next(Post& post, DeadLetter& letter) {
  if (!rows_) return ReplayStatus::kEnd;
  RawPostRow row;
  switch (rows_->next(row)) {
    case Rows::Next::kEnd:
      return ReplayStatus::kEnd;
    case Rows::Next::kError:
      error_ = rows_->error();
      return ReplayStatus::kError;
    case Rows::Next::kRow:
      break;
  }
  return finish_row(row, post, letter);
}

ReplayStatus PostReplay::finish_row(const RawPostRow& row, Post& post, DeadLetter& letter) {
  const int64_t row_index = position_.row;
  position_.row += 1;
  if (format_ != PostFileFormat::kParquet) {
    position_.byte_offset = row.end_offset;
    position_.sub = row.sub;
  }

  auto fill_letter = [&](DeadLetterReason reason, std::string detail) {
    letter.stream = "tweets";
    letter.partition = options_.partition;
    letter.offset = Offset(row_index);
    letter.reason = reason;
    letter.detail = std::move(detail);
    letter.payload.assign(row.payload.substr(0, kMaxDeadLetterPayload));
    letter.payload_size = row.payload_size;
  };
  auto dead = [&](DeadLetterReason reason, std::string detail) {
    fill_letter(reason, std::move(detail));
    position_.dead_letters += 1;
    return ReplayStatus::kDeadLetter;
  };
  switch (row.kind) {
    case RawPostRow::Kind::kRow:
      break;
    case RawPostRow::Kind::kTooLarge:
      return dead(DeadLetterReason::kTooLarge, row.detail);
    case RawPostRow::Kind::kMalformed:
      return dead(DeadLetterReason::kMalformedJson, row.detail);
    case RawPostRow::Kind::kWrongType:
      return dead(DeadLetterReason::kWrongType, row.detail);
  }
  // The fields of the row, wherever they came from.
  std::optional<int64_t> original = row.time_ms;
  std::string_view time_text = row.time_text, text = row.text, id = row.id, user = row.user;
  std::string_view source = row.source;
  bool has_time = row.has_time, has_text = row.has_text;
  if (const SocialPost* sp = row.social) {
    if (sp->problem) return dead(*sp->problem, sp->detail);
    original = sp->time_ms;
    time_text = trim(sp->time_text);
    has_time = sp->time_ms.has_value() || !time_text.empty();
    text = sp->text;
    has_text = sp->has_text;
    id = sp->id;
    user = sp->user;
    source = sp->source;
  }
  if (!has_time) return dead(DeadLetterReason::kMissingField, "missing created_at");
  if (!has_text) return dead(DeadLetterReason::kMissingField, "missing text");
  if (!original) original = parse_post_timestamp(time_text);
  if (!original)
    return dead(DeadLetterReason::kBadTimestamp,
                "created_at '" + std::string(time_text.substr(0, 64)) + "' does not parse");

  post.id.assign(id);
  if (post.id.empty()) post.id = "row-" + std::to_string(row_index);
  post.text.assign(text);
  post.user.assign(user);
  post.source = source.empty() ? options_.source : std::string(source);
  post.position = SourcePosition{options_.partition, Offset(row_index)};
  post.symbols.clear();
  post.label.reset();
  if (row.social) {
    post.symbols = row.social->symbols;
    post.label = row.social->label;
  } else {
    if (row.symbols) post.symbols = *row.symbols;
    post.label = row.label;
  }
  if (dedupe_) {
    const std::string_view retweet_of = row.social ? row.social->retweet_of : std::string_view();
    const DuplicateKind kind = dedupe_->check(post, retweet_of, !id.empty());
    if (kind != DuplicateKind::kNone) {
      std::string detail = duplicate_kind_detail(kind);
      if (kind == DuplicateKind::kRetweetOfSeen) detail += " (" + std::string(retweet_of) + ")";
      // The skipped post in the contract's form: shorter than the API record, and what would
      // have gone on.
      post.created_at = EventTime(*original);
      std::string json;
      append_post_json(post, json);
      fill_letter(DeadLetterReason::kDuplicate, std::move(detail));
      letter.payload.assign(std::string_view(json).substr(0, kMaxDeadLetterPayload));
      letter.payload_size = json.size();
      position_.duplicates += 1;
      return ReplayStatus::kDeadLetter;
    }
  }

  int64_t created = *original;
  if (options_.rebase_time) {
    if (!position_.has_rebase) {
      position_.has_rebase = true;
      position_.rebase_from_ms = *original;
      position_.rebase_to_ms =
          options_.rebase_to ? options_.rebase_to->value() : clock_.now().value();
    }
    created = position_.rebase_to_ms + (*original - position_.rebase_from_ms);
  }
  post.created_at = EventTime(created);
  position_.emitted += 1;
  pace(*original);
  return ReplayStatus::kPost;
}

void PostReplay::pace(int64_t original_ms) {
  const int64_t now = clock_.now().value();
  double due = static_cast<double>(now);
  if (options_.speed > 0) {
    // Anchored to the first post of this run: a caller that falls behind catches up to the
    // original schedule rather than drifting later and later.
    if (!paced_started_) {
      paced_started_ = true;
      pace_origin_event_ms_ = original_ms;
      pace_origin_clock_ms_ = now;
    }
    due = static_cast<double>(pace_origin_clock_ms_) +
          static_cast<double>(original_ms - pace_origin_event_ms_) / options_.speed;
  }
  if (options_.rate > 0) {
    // Slots 1/rate apart, kept as doubles so that rates above 1,000/s hold on a millisecond clock;
    // a slot never lies more than rate_burst_ms in the past, which bounds the catch-up burst.
    const double interval = 1000.0 / options_.rate;
    double slot = has_rate_slot_ ? rate_slot_ms_ + interval : static_cast<double>(now);
    slot = std::max(slot, static_cast<double>(now - options_.rate_burst_ms));
    if (options_.speed > 0) slot = std::max(slot, due);
    rate_slot_ms_ = slot;
    has_rate_slot_ = true;
    due = slot;
  }
  due_ms_ = static_cast<int64_t>(std::ceil(due));
}

ReplayProgress PostReplay::progress() const {
  ReplayProgress p;
  p.rows = position_.row;
  p.posts = position_.emitted;
  p.dead_letters = position_.dead_letters;
  p.duplicates = position_.duplicates;
  p.bytes = position_.byte_offset;
  if (rows_) {
    p.total_bytes = rows_->total_bytes();
    p.total_rows = rows_->total_rows();
  }
  const double elapsed_s = static_cast<double>(clock_.now().value() - start_clock_ms_) / 1000.0;
  const double rows_done = static_cast<double>(position_.row - start_row_);
  if (elapsed_s > 0) p.rows_per_s = rows_done / elapsed_s;
  double done = -1, total = -1, done_this_run = 0;
  if (format_ == PostFileFormat::kParquet && p.total_rows > 0) {
    done = static_cast<double>(p.rows);
    total = static_cast<double>(p.total_rows);
    done_this_run = rows_done;
  } else if (p.total_bytes > 0) {
    done = static_cast<double>(p.bytes);
    total = static_cast<double>(p.total_bytes);
    done_this_run = static_cast<double>(p.bytes - std::min(p.bytes, start_bytes_));
  }
  if (total > 0) {
    p.percent = std::min(100.0, 100.0 * done / total);
    if (elapsed_s > 0 && done_this_run > 0)
      p.eta_s = std::max(0.0, (total - done) / (done_this_run / elapsed_s));
  }
  return p;
}

namespace {

std::string with_commas(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string human_bytes(uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string human_duration(double s) {
  const int64_t t = static_cast<int64_t>(std::llround(s));
  char buf[48];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(t / 3600),
                  static_cast<long long>(t % 3600 / 60));
  else if (t >= 60)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(t / 60),
                  static_cast<long long>(t % 60));
  else
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(t));
  return buf;
}

}  // namespace

std::string format_replay_progress(const ReplayProgress& p) {
  std::string out = "replay";
  char buf[32];
  if (p.percent >= 0) {
    std::snprintf(buf, sizeof buf, " %.1f%%", p.percent);
    out += buf;
  }
  out += " | " + with_commas(p.rows) + " rows";
  if (p.total_rows > 0) out += " of " + with_commas(p.total_rows);
  out += " | " + with_commas(static_cast<int64_t>(std::llround(p.rows_per_s))) + " rows/s";
  if (p.total_bytes > 0)
    out += " | " + human_bytes(p.bytes) + " / " + human_bytes(p.total_bytes);
  else if (p.bytes > 0)
    out += " | " + human_bytes(p.bytes);
  out += p.eta_s >= 0 ? " | ETA " + human_duration(p.eta_s) : std::string(" | ETA ?");
  out += " | " + with_commas(p.dead_letters) + " bad";
  if (p.duplicates > 0) out += " | " + with_commas(p.duplicates) + " duplicates";
  return out;
}

std::optional<int64_t> parse_post_timestamp(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  // Epoch seconds (optionally with a fraction) or milliseconds.
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return (c >= '0' && c <= '9') || c == '.'; })) {
    const size_t dot = text.find('.');
    const std::string_view whole = text.substr(0, dot);
    if (whole.empty() || whole.size() > 16) return std::nullopt;
    int64_t v = 0;
    auto [p, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), v);
    if (ec != std::errc() || p != whole.data() + whole.size()) return std::nullopt;
    if (whole.size() > 11)
      return dot == std::string_view::npos ? std::optional<int64_t>(v) : std::nullopt;
    int64_t ms = v * 1000;
    if (dot != std::string_view::npos) {
      const std::string_view frac = text.substr(dot + 1);
      if (frac.find('.') != std::string_view::npos) return std::nullopt;
      int64_t scale = 100;
      for (size_t i = 0; i < frac.size() && i < 3; ++i, scale /= 10) ms += (frac[i] - '0') * scale;
    }
    return ms;
  }
  if (auto t = parse_iso8601(text)) return t->value();
  // "2020-04-09 23:59:51+00" (an hour-only offset, as DuckDB and PostgreSQL print).
  if (text.size() >= 3 && (text[text.size() - 3] == '+' || text[text.size() - 3] == '-') &&
      std::isdigit(static_cast<unsigned char>(text.back())) && text.size() < 60) {
    std::string longer(text);
    longer += ":00";
    if (auto t = parse_iso8601(longer)) return t->value();
  }
  // Twitter API: "Wed Apr 09 23:59:51 +0000 2020".
  if (text.size() == 30 && text[3] == ' ' && text[7] == ' ' && text[10] == ' ' && text[19] == ' ' &&
      text[25] == ' ') {
    static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const size_t m = kMonths.find(text.substr(4, 3));
    if (m == std::string_view::npos || m % 3 != 0) return std::nullopt;
    auto num = [&](size_t at, size_t len, int& out) {
      auto [p, ec] = std::from_chars(text.data() + at, text.data() + at + len, out);
      return ec == std::errc() && p == text.data() + at + len;
    };
    int day = 0, hh = 0, mm = 0, ss = 0, off = 0, year = 0;
    if (!num(8, 2, day) || !num(11, 2, hh) || !num(14, 2, mm) || !num(17, 2, ss) ||
        !num(21, 4, off) || !num(26, 4, year) || text[13] != ':' || text[16] != ':')
      return std::nullopt;
    if (text[20] != '+' && text[20] != '-') return std::nullopt;
    if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || year < 1970) return std::nullopt;
    const int64_t offset_min = (off / 100 * 60 + off % 100) * (text[20] == '-' ? -1 : 1);
    return days_from_civil(year, static_cast<int>(m / 3) + 1, day) * kMillisPerDay +
           hh * kMillisPerHour + mm * kMillisPerMinute + ss * kMillisPerSecond -
           offset_min * kMillisPerMinute;
  }
  return std::nullopt;
}

bool sleep_until_due(const Clock& clock, ProcessingTime due, const std::atomic<bool>& stop) {
  for (;;) {
    if (stop.load(std::memory_order_relaxed)) return false;
    const int64_t left = due.value() - clock.now().value();
    if (left <= 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(left, 50)));
  }
}

}  // namespace stockpulse
