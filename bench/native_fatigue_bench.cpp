// Native throughput of the fatigue decision on bench/fatigue_bench.mjs's
// workload shape: 1000 candidates × 20 sends each over the last 30 days,
// policy "resend after 7 days, caps 3/day and 10/week". Three entry points:
// the core function on decoded ledgers, the JSON surface, and the packed
// surface the wasm binding uses. Baseline printed beside them: copying the
// ledgers' JSON text (the floor any JSON-in call pays), same run.
// Run: build/native/native_fatigue_bench
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "campaign_api.hpp"
#include "fatigue.hpp"

namespace {

constexpr int kCandidates = 1000;
constexpr int kEntries = 20;
constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kNow = 1'773'576'000'000;  // 2026-03-15T12:00Z
const char* kCampaigns[] = {"welcome", "weekly", "promo-a", "promo-b", "winback", "spring-sale"};
const char* kPolicy =
    R"({"campaign":"spring-sale","resend":{"every":7,"unit":"days"},"frequencyCapping":true,)"
    R"("rules":[{"limit":3,"period":{"value":1,"unit":"days"}},{"limit":10,"period":{"value":1,"unit":"weeks"}}]})";

struct Workload {
  std::vector<std::vector<hookcast::LedgerEntry>> ledgers;
  std::string json;
  std::vector<double> packed;
  std::string keys = R"(["welcome","weekly","promo-a","promo-b","winback","spring-sale"])";
};

const Workload& workload() {
  static const Workload w = [] {
    Workload w;
    std::uint64_t seed = 12345;
    auto next = [&] {
      return (seed = (seed * 1103515245 + 12345) % (1ULL << 31)) / double(1ULL << 31);
    };
    w.json = "[";
    for (int i = 0; i < kCandidates; ++i) {
      std::vector<hookcast::LedgerEntry> ledger;
      w.json += i ? ",[" : "[";
      w.packed.push_back(kEntries);
      for (int j = 0; j < kEntries; ++j) {
        const int c = static_cast<int>(next() * ((j == 0 && i % 3) ? 5 : 6));
        const auto at = static_cast<std::int64_t>(kNow - next() * 30 * kDay);
        ledger.push_back({kCampaigns[c], at});
        w.json += std::string(j ? "," : "") + "{\"campaign\":\"" + kCampaigns[c] +
                  "\",\"at\":" + std::to_string(at) + "}";
        w.packed.push_back(c);
        w.packed.push_back(static_cast<double>(at));
        w.packed.push_back(0);  // a send, not a control record
      }
      w.json += "]";
      w.ledgers.push_back(std::move(ledger));
    }
    w.json += "]";
    return w;
  }();
  return w;
}

hookcast::FatiguePolicy policy() {
  hookcast::FatiguePolicy p;
  p.campaign = "spring-sale";
  p.resend = hookcast::ResendPeriod{7, hookcast::TimeUnit::kDays};
  p.frequency_capping = true;
  p.rules = {{3, 1, hookcast::TimeUnit::kDays, kDay},
             {10, 1, hookcast::TimeUnit::kWeeks, 7 * kDay}};
  return p;
}

void BM_FatigueDecisionCore(benchmark::State& state) {
  const Workload& w = workload();
  const hookcast::FatiguePolicy p = policy();
  for (auto _ : state) {
    int sent = 0;
    for (const auto& ledger : w.ledgers)
      sent += hookcast::fatigue_decision(p, ledger.data(), ledger.size(), kNow) ==
              hookcast::FatigueReason::kOk;
    benchmark::DoNotOptimize(sent);
  }
  state.SetItemsProcessed(state.iterations() * kCandidates);
}
BENCHMARK(BM_FatigueDecisionCore);

void BM_FatigueBatchJson(benchmark::State& state) {
  const Workload& w = workload();
  for (auto _ : state) {
    const std::string out = hookcast::api::fatigue_batch(kPolicy, w.json, kNow);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kCandidates);
}
BENCHMARK(BM_FatigueBatchJson);

void BM_FatigueBatchPacked(benchmark::State& state) {
  const Workload& w = workload();
  for (auto _ : state) {
    const std::string out = hookcast::api::fatigue_batch_packed(kPolicy, w.keys, w.packed.data(),
                                                                w.packed.size(), kNow);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kCandidates);
}
BENCHMARK(BM_FatigueBatchPacked);

// Baseline: one copy of the ledgers' JSON text (memory traffic floor).
void BM_BaselineCopyLedgers(benchmark::State& state) {
  const Workload& w = workload();
  for (auto _ : state) {
    std::string copy = w.json;
    benchmark::DoNotOptimize(copy.data());
  }
  state.SetItemsProcessed(state.iterations() * kCandidates);
}
BENCHMARK(BM_BaselineCopyLedgers);

}  // namespace

BENCHMARK_MAIN();
