#include "sentiment/finance/labelled_csv.h"

#include <gtest/gtest.h>

#include <string>

namespace stockpulse {
namespace {

Result<std::vector<LabelledPost>, std::string> parse(std::string_view text) {
  return parse_labelled_csv(text, "t.csv");
}

TEST(LabelledCsv, PlainRows) {
  auto r = parse("id,text,label\n1,hello,bullish\n2,world,BEARISH\n3,x, neutral \n");
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r.value().size(), 3u);
  EXPECT_EQ(r.value()[0].id, "1");
  EXPECT_EQ(r.value()[0].text, "hello");
  EXPECT_EQ(r.value()[0].label, SentimentLabel::kBullish);
  EXPECT_EQ(r.value()[1].label, SentimentLabel::kBearish);
  EXPECT_EQ(r.value()[2].label, SentimentLabel::kNeutral);
}

TEST(LabelledCsv, QuotedFieldsWithCommasQuotesAndNewlines) {
  auto r = parse(
      "id,text,label\n"
      "a,\"buy, hold, sell\",neutral\n"
      "b,\"he said \"\"moon\"\"\",bullish\n"
      "c,\"line one\nline two\",bearish\n"
      "\"d\",\"\",neutral\n");
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r.value().size(), 4u);
  EXPECT_EQ(r.value()[0].text, "buy, hold, sell");
  EXPECT_EQ(r.value()[1].text, "he said \"moon\"");
  EXPECT_EQ(r.value()[2].text, "line one\nline two");
  EXPECT_EQ(r.value()[3].id, "d");
  EXPECT_EQ(r.value()[3].text, "");
}

TEST(LabelledCsv, CrlfBomBlankLinesAndNoFinalNewline) {
  auto r = parse("\xEF\xBB\xBFid,text,label\r\n1,\"a\r\nb\",bullish\r\n\r\n2,c,bearish");
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r.value().size(), 2u);
  // A line break inside quotes is data and is kept as written.
  EXPECT_EQ(r.value()[0].text, "a\r\nb");
  EXPECT_EQ(r.value()[1].label, SentimentLabel::kBearish);
}

TEST(LabelledCsv, WrongFieldCountNamesTheLine) {
  auto r = parse("id,text,label\n1,ok,bullish\n2,a,b,bearish\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "t.csv:3: expected 3 fields (id,text,label), got 4");
}

TEST(LabelledCsv, LineNumbersCountNewlinesInsideQuotes) {
  // The record with the bad label starts on line 4, after a record spanning lines 2-3.
  auto r = parse("id,text,label\n1,\"two\nlines\",bullish\n2,x,happy\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "t.csv:4: label must be bullish, bearish, neutral, 0, 1 or 2, got `happy`");
}

TEST(LabelledCsv, UnterminatedQuote) {
  auto r = parse("id,text,label\n1,\"never closed,bullish\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "t.csv:2: unterminated quoted field");
}

TEST(LabelledCsv, TextAfterClosingQuote) {
  auto r = parse("id,text,label\n1,\"quoted\"tail,bullish\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "t.csv:2: unexpected character after closing quote");
}

TEST(LabelledCsv, QuoteInsideUnquotedField) {
  auto r = parse("id,text,label\n1,say \"hi\",bullish\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "t.csv:2: quote inside an unquoted field");
}

TEST(LabelledCsv, DuplicateAndEmptyIds) {
  auto dup = parse("id,text,label\n1,a,bullish\n1,b,bearish\n");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error(), "t.csv:3: duplicate id `1`");
  auto empty = parse("id,text,label\n,a,bullish\n");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error(), "t.csv:2: empty id");
}

TEST(LabelledCsv, HeaderRequired) {
  auto wrong = parse("id,label,text\n1,bullish,a\n");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error(), "t.csv:1: expected header `id,text,label` or `text,label`");
  auto empty = parse("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error(), "t.csv:1: empty file: expected header `id,text,label` or `text,label`");
  auto header_only = parse("id,text,label\n");
  ASSERT_TRUE(header_only.ok());
  EXPECT_TRUE(header_only.value().empty());
}

TEST(LabelledCsv, MissingFileIsAnErrorValue) {
  auto r = read_labelled_csv("/nonexistent/dir/posts.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "cannot open /nonexistent/dir/posts.csv");
}

// The committed evaluation files must stay readable, large enough and roughly balanced.
void expect_balanced_set(const std::string& name, size_t min_rows) {
  auto r = read_labelled_csv(std::string(STOCKPULSE_SOURCE_DIR) + "/data/eval/" + name);
  ASSERT_TRUE(r.ok()) << r.error();
  const auto& rows = r.value();
  EXPECT_GE(rows.size(), min_rows) << name;
  size_t counts[3] = {0, 0, 0};
  for (const auto& row : rows) {
    ++counts[static_cast<size_t>(row.label)];
    EXPECT_FALSE(row.text.empty()) << name << " row " << row.id;
  }
  for (size_t c : counts) {
    EXPECT_GE(c, rows.size() / 4) << name << ": a label has under a quarter of the rows";
  }
}

TEST(LabelledCsv, CommittedEvaluationSetsParse) {
  expect_balanced_set("finance_posts.csv", 400);
  expect_balanced_set("finance_posts_holdout.csv", 120);
}

TEST(LabelledCsv, TextLabelFilesWithNumericLabels) {
  // The Twitter Financial News layout: no id column, 0 bearish, 1 bullish, 2 neutral.
  auto r = parse("text,label\n\"$X cut, again\",0\n$Y beats,1\n$Z files 10-K,2\n");
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r.value().size(), 3u);
  EXPECT_EQ(r.value()[0].id, "row1");
  EXPECT_EQ(r.value()[0].text, "$X cut, again");
  EXPECT_EQ(r.value()[0].label, SentimentLabel::kBearish);
  EXPECT_EQ(r.value()[1].label, SentimentLabel::kBullish);
  EXPECT_EQ(r.value()[2].label, SentimentLabel::kNeutral);
  EXPECT_EQ(r.value()[2].id, "row3");
  auto three = parse("text,label\na,1,extra\n");
  ASSERT_FALSE(three.ok());
  EXPECT_EQ(three.error(), "t.csv:2: expected 2 fields (text,label), got 3");
  auto bad = parse("text,label\na,3\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), "t.csv:2: label must be bullish, bearish, neutral, 0, 1 or 2, got `3`");
}

}  // namespace
}  // namespace stockpulse
