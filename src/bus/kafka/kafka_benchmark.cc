// Throughput of the Kafka building blocks against librdkafka's mock cluster (in-process, so this
// measures the client path and the mock broker, not a network): produce with delivery reports,
// and produce + consume through a consumer-group member into padded batches.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "bus/kafka/kafka_consumer.h"
#include "bus/kafka/kafka_producer.h"
#include "bus/kafka/mock_cluster.h"
#include "decode/json_encoder.h"
#include "source/synthetic_posts.h"

namespace stockpulse {
namespace {

using namespace std::chrono_literals;

MockKafkaCluster& cluster() {
  static std::unique_ptr<MockKafkaCluster> mc = [] {
    auto r = MockKafkaCluster::start(3);
    if (!r.ok()) {
      std::fprintf(stderr, "cannot start the mock cluster: %s\n", r.error().c_str());
      std::abort();
    }
    return std::move(r).value();
  }();
  return *mc;
}

// Realistic values: synthetic posts in the tweets contract (about 200-300 bytes each).
std::vector<std::string> sample_posts(size_t n) {
  SyntheticPostGenerator gen(SyntheticPostOptions{});
  std::vector<std::string> out(n);
  Post p;
  for (auto& s : out) {
    gen.next(p);
    append_post_json(p, s);
  }
  return out;
}

std::unique_ptr<KafkaProducer> producer() {
  KafkaProducerOptions o;
  o.connection.brokers = cluster().bootstraps();
  return std::move(KafkaProducer::create(o)).value();
}

void BM_Produce(benchmark::State& state) {
  static int topic_no = 0;
  const std::string topic = "produce-" + std::to_string(topic_no++);
  (void)cluster().create_topic(topic, 6);
  auto p = producer();
  const auto posts = sample_posts(4096);
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& v = posts[i++ % posts.size()];
    if (!p->produce(topic, "AAPL", v).ok()) state.SkipWithError("produce failed");
    bytes += v.size();
  }
  if (!p->flush(60s)) state.SkipWithError("not everything was delivered");
  state.SetItemsProcessed(static_cast<int64_t>(i));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
// Includes the final flush, so the rate is of delivered messages.
BENCHMARK(BM_Produce)->Unit(benchmark::kMillisecond)->Iterations(200000)->UseRealTime();

void BM_ProduceConsume(benchmark::State& state) {
  const size_t per_round = static_cast<size_t>(state.range(0));
  static int topic_no = 0;
  const std::string topic = "roundtrip-" + std::to_string(topic_no++);
  (void)cluster().create_topic(topic, 6);
  auto p = producer();
  KafkaConsumerOptions co;
  co.connection.brokers = cluster().bootstraps();
  co.group_id = "bench-" + topic;
  co.topics = {topic};
  auto c = std::move(KafkaConsumer::create(co)).value();
  ConsumedBatch batch;
  // Join the group before timing.
  for (int i = 0; i < 300 && c->assignment().empty(); ++i) (void)c->poll_batch(1, 50ms, batch);
  const auto posts = sample_posts(4096);
  size_t total = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < per_round; ++i) {
      (void)p->produce(topic, "K" + std::to_string(i % 64), posts[i % posts.size()]);
    }
    size_t got = 0;
    int idle = 0;
    while (got < per_round) {
      auto n = c->poll_batch(10000, 500ms, batch);
      if (!n.ok() || (n.value() == 0 && ++idle > 20)) {
        state.SkipWithError(fmt::format("consumer stalled after {} of {} (assigned {})", got,
                                        per_round, c->assignment().size())
                                .c_str());
        break;
      }
      if (n.value() > 0) idle = 0;
      got += n.value();
      benchmark::DoNotOptimize(batch.buffer.data());
    }
    total += got;
  }
  state.SetItemsProcessed(static_cast<int64_t>(total));
}
BENCHMARK(BM_ProduceConsume)
    ->Arg(50000)
    ->Iterations(4)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace stockpulse

BENCHMARK_MAIN();
