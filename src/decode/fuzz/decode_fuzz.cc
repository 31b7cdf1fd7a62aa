// libFuzzer target: arbitrary bytes into both decoders, through the padded (zero-copy) path with
// the input's own bytes as the only thing before the padding. Any crash, sanitizer report or
// broken invariant (a decoded bar that violates what the decoder promises, an encode -> decode
// round trip that changes a value) is a finding.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "decode/bar_decoder.h"
#include "decode/json_encoder.h"
#include "decode/post_decoder.h"
#include "decode/utf8.h"

using namespace stockpulse;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static PostDecoder post_decoder;
  static BarDecoder bar_decoder;
  // An exact-size heap buffer plus the promised padding, so ASan catches any read beyond it.
  std::vector<char> buf(size + kJsonPadding, '\0');
  std::memcpy(buf.data(), data, size);
  const PaddedJson json{std::string_view(buf.data(), size)};
  const SourcePosition pos{PartitionId(0), Offset(0)};

  auto post = post_decoder.decode(json, pos);
  if (post.ok()) {
    const Post& p = post.value();
    check(utf8_first_invalid(p.text) == p.text.size());
    check(p.text.size() <= 64 * 1024);
    std::string again;
    append_post_json(p, again);
    auto round = post_decoder.decode(again, pos);
    check(round.ok());
    check(round.value().text == p.text && round.value().id == p.id &&
          round.value().created_at == p.created_at && round.value().user == p.user);
  } else {
    check(!post.error().detail.empty());
  }

  auto bar = bar_decoder.decode(json, pos);
  if (bar.ok()) {
    const Bar& b = bar.value();
    check(b.low <= b.high && b.close > 0 && b.open > 0 && b.low > 0);
    check(std::isfinite(b.high) && b.volume >= 0 && std::isfinite(b.volume));
    check(!b.symbol.empty() && b.symbol.size() <= 10);
    std::string again;
    append_bar_json(b, again);
    auto round = bar_decoder.decode(again, pos);
    check(round.ok());
    check(round.value().close == b.close && round.value().high == b.high &&
          round.value().low == b.low && round.value().ts == b.ts &&
          round.value().symbol == b.symbol && round.value().trade_count == b.trade_count);
  } else {
    check(!bar.error().detail.empty());
  }
  return 0;
}
