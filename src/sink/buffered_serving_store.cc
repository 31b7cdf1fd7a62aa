#include "sink/buffered_serving_store.h"

#include <algorithm>
#include <exception>
#include <stdexcept>

namespace stockpulse {
namespace {

// Rough heap footprint of a row once copied into the buffer: what max_bytes is compared with.
uint64_t row_bytes(const ScoredPost& p) {
  uint64_t b = sizeof(ScoredPost) + p.post.id.size() + p.post.text.size() + p.post.user.size() +
               p.post.source.size();
  for (const TickerSentiment& t : p.tickers) b += sizeof(TickerSentiment) + t.symbol.size();
  return b;
}
uint64_t row_bytes(const Bar& b) {
  return sizeof(Bar) + b.symbol.size();
}
uint64_t row_bytes(const SentimentWindowRow& r) {
  return sizeof(r) + r.symbol.size();
}
uint64_t row_bytes(const MarketWindowRow& r) {
  return sizeof(r) + r.symbol.size();
}
uint64_t row_bytes(const AlertRow& r) {
  return sizeof(r) + r.symbol.size() + r.kind.size() + r.message.size();
}
uint64_t row_bytes(const IndicatorRow& r) {
  return sizeof(r) + r.symbol.size();
}
uint64_t row_bytes(const FearGreedRow& r) {
  return sizeof(r) + r.symbol.size() + r.band.size();
}
uint64_t row_bytes(const CorrelationRow& r) {
  return sizeof(r) + r.symbol.size();
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

BufferedServingStore::BufferedServingStore(std::unique_ptr<ServingStore> inner,
                                           BufferOptions options)
    : inner_(std::move(inner)), options_(std::move(options)) {
  if (!inner_) throw std::invalid_argument("BufferedServingStore: null inner store");
  if (options_.max_rows == 0) options_.max_rows = 1;
  if (options_.initial_backoff.count() <= 0)
    options_.initial_backoff = std::chrono::milliseconds(1);
  options_.max_backoff = std::max(options_.max_backoff, options_.initial_backoff);
  thread_ = std::thread([this] { run(); });
}

BufferedServingStore::~BufferedServingStore() {
  close(options_.close_timeout);
}

template <class T>
void BufferedServingStore::enqueue(std::span<const T> rows) {
  if (rows.empty()) return;
  Item item;
  item.rows = rows.size();
  for (const T& r : rows) item.bytes += row_bytes(r);
  item.batch = std::vector<T>(rows.begin(), rows.end());
  push(std::move(item));
}

void BufferedServingStore::push(Item item) {
  std::unique_lock lock(mu_);
  if (closed_) throw std::logic_error("BufferedServingStore: write after close()");
  auto fits = [&] {
    // An empty buffer takes any batch, however large: otherwise it could never be accepted.
    if (counters_.buffered_rows == 0) return true;
    return counters_.buffered_rows + item.rows <= options_.max_rows &&
           counters_.buffered_bytes + item.bytes <= options_.max_bytes;
  };
  if (!fits()) {
    // Back-pressure: the caller (the pipeline's sink stage) waits, and so do the stages behind
    // it through their bounded queues. Nothing is dropped.
    ++counters_.blocked_writes;
    space_cv_.wait(lock, [&] { return fits() || stopping_; });
    if (stopping_) throw std::logic_error("BufferedServingStore: closed while a write waited");
  }
  counters_.buffered_rows += item.rows;
  counters_.buffered_bytes += item.bytes;
  queue_.push_back(std::move(item));
  work_cv_.notify_one();
}

void BufferedServingStore::write_posts(std::span<const ScoredPost> posts) {
  enqueue(posts);
}
void BufferedServingStore::write_bars(std::span<const Bar> bars) {
  enqueue(bars);
}
void BufferedServingStore::write_sentiment_windows(std::span<const SentimentWindowRow> rows) {
  enqueue(rows);
}
void BufferedServingStore::write_market_windows(std::span<const MarketWindowRow> rows) {
  enqueue(rows);
}
void BufferedServingStore::write_alerts(std::span<const AlertRow> rows) {
  enqueue(rows);
}
void BufferedServingStore::write_indicators(std::span<const IndicatorRow> rows) {
  enqueue(rows);
}
void BufferedServingStore::write_fear_greed(std::span<const FearGreedRow> rows) {
  enqueue(rows);
}
void BufferedServingStore::write_correlations(std::span<const CorrelationRow> rows) {
  enqueue(rows);
}

void BufferedServingStore::delete_alerts(EventTime since, EventTime until) {
  push(Item{AlertDeletion{since, until}, 0, 0});
}

void BufferedServingStore::flush() {
  std::unique_lock lock(mu_);
  if (closed_) return;
  const uint64_t seq = ++flush_requested_;
  queue_.push_back(Item{FlushMarker{seq}, 0, 0});
  work_cv_.notify_one();
  space_cv_.wait(lock, [&] { return flush_done_ >= seq || stopping_; });
}

bool BufferedServingStore::drain(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return space_cv_.wait_for(lock, timeout, [&] { return queue_.empty() && !in_flight_; });
}

uint64_t BufferedServingStore::close(std::chrono::milliseconds timeout) {
  {
    std::unique_lock lock(mu_);
    if (closed_ && !thread_.joinable()) return counters_.buffered_rows;
    closed_ = true;
    space_cv_.wait_for(lock, timeout, [&] { return queue_.empty() && !in_flight_; });
    stopping_ = true;
  }
  work_cv_.notify_all();
  space_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  return counters_.buffered_rows;
}

BufferedStoreCounters BufferedServingStore::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

std::string BufferedServingStore::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

BufferedServingStore::Item BufferedServingStore::take_next() {
  Item item = std::move(queue_.front());
  queue_.pop_front();
  if (std::holds_alternative<FlushMarker>(item.batch) ||
      std::holds_alternative<AlertDeletion>(item.batch)) {
    return item;
  }
  // Merge the queued items of the same table: after an outage, or whenever the store is slower
  // than the pipeline, the backlog is many trigger-sized batches, and one large insert is far
  // cheaper than many small ones (ClickHouse makes a part per insert and merges parts in the
  // background; SQLite commits once). Items of other tables in between are skipped over, not
  // reordered among themselves: tables are independent, and each table's rows keep their order.
  // A flush or an alert deletion is a barrier nothing is merged across.
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (std::holds_alternative<FlushMarker>(it->batch) ||
        std::holds_alternative<AlertDeletion>(it->batch)) {
      break;
    }
    if (it->batch.index() != item.batch.index()) {
      ++it;
      continue;
    }
    // Taking a later item of this table past this one would reorder the table's rows.
    if (item.rows + it->rows > options_.merge_rows) break;
    std::visit(
        [&](auto& into) {
          using V = std::decay_t<decltype(into)>;
          if constexpr (!std::is_same_v<V, FlushMarker> && !std::is_same_v<V, AlertDeletion>) {
            auto& from = std::get<V>(it->batch);
            into.insert(into.end(), std::make_move_iterator(from.begin()),
                        std::make_move_iterator(from.end()));
          }
        },
        item.batch);
    item.rows += it->rows;
    item.bytes += it->bytes;
    it = queue_.erase(it);
  }
  return item;
}

std::string BufferedServingStore::deliver(Item& item) {
  // The inner stores report failures by throwing (ServingStore's contract); this is the
  // boundary where that becomes a value to retry on.
  try {
    std::visit(Overloaded{
                   [&](std::vector<ScoredPost>& v) { inner_->write_posts(v); },
                   [&](std::vector<Bar>& v) { inner_->write_bars(v); },
                   [&](std::vector<SentimentWindowRow>& v) { inner_->write_sentiment_windows(v); },
                   [&](std::vector<MarketWindowRow>& v) { inner_->write_market_windows(v); },
                   [&](std::vector<AlertRow>& v) { inner_->write_alerts(v); },
                   [&](std::vector<IndicatorRow>& v) { inner_->write_indicators(v); },
                   [&](std::vector<FearGreedRow>& v) { inner_->write_fear_greed(v); },
                   [&](std::vector<CorrelationRow>& v) { inner_->write_correlations(v); },
                   [&](FlushMarker&) { inner_->flush(); },
                   [&](AlertDeletion& d) { inner_->delete_alerts(d.since, d.until); },
               },
               item.batch);
    return {};
  } catch (const std::exception& e) {
    std::string msg = e.what();
    return msg.empty() ? std::string("unknown error") : msg;
  }
}

void BufferedServingStore::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (stopping_) return;
    Item item = take_next();
    in_flight_ = true;
    auto backoff = options_.initial_backoff;
    uint64_t attempts = 0;
    for (;;) {
      lock.unlock();
      std::string error = deliver(item);
      lock.lock();
      ++attempts;
      if (error.empty()) {
        if (auto* f = std::get_if<FlushMarker>(&item.batch)) {
          flush_done_ = std::max(flush_done_, f->seq);
        } else {
          counters_.rows_written += item.rows;
          ++counters_.batches_written;
        }
        break;
      }
      ++counters_.errors;
      last_error_ = error;
      if (options_.on_error) {
        lock.unlock();
        options_.on_error(error);
        lock.lock();
      }
      if (options_.max_attempts != 0 && attempts >= options_.max_attempts) {
        counters_.rows_dropped += item.rows;
        if (auto* f = std::get_if<FlushMarker>(&item.batch)) {
          flush_done_ = std::max(flush_done_, f->seq);
        }
        break;
      }
      // Sleep, but wake for close(): a stopping store does not wait out a long back-off.
      if (work_cv_.wait_for(lock, backoff, [&] { return stopping_; })) {
        // Put the batch back so close() can report it as undelivered.
        queue_.push_front(std::move(item));
        in_flight_ = false;
        space_cv_.notify_all();
        return;
      }
      ++counters_.retries;
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
    counters_.buffered_rows -= item.rows;
    counters_.buffered_bytes -= item.bytes;
    in_flight_ = false;
    space_cv_.notify_all();
  }
}

}  // namespace stockpulse
