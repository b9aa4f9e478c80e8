// Native throughput of cohort evaluation (api::cohort_match_batch, the same
// call the wasm binding makes) for "plan eq pro AND did purchase count gte 2
// within 7 days" over batches of 2000 members with 5 events each, as
// bench/cohort_bench.mjs sends them. Baselines printed beside it, measured in
// the same run: parsing the same batch with the fast JSON reader alone (the
// floor of any JSON-in evaluator) and a trivial rule (parse + member walk).
// Run: build/native/native_cohort_bench
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cohort_api.hpp"
#include "json_text.hpp"

namespace {

constexpr double kNow = 1781524800000;  // 2026-06-15T12:00:00Z
constexpr double kDay = 86400000;
constexpr int kBatch = 2000;

const char* kRule =
    R"({"all":[{"property":"plan","op":"eq","value":"pro"},
               {"event":"purchase","op":"did","count":{"op":"gte","value":2},
                "within":{"last":7,"unit":"days"}}]})";

// The members of bench/cohort_bench.mjs, as JSON.stringify writes them.
std::string batch_json() {
  static const char* kKeys[] = {"purchase", "view", "purchase", "signup", "view"};
  std::string b = "[";
  for (int i = 0; i < kBatch; ++i) {
    if (i) b += ',';
    b += "{\"id\":\"u" + std::to_string(i) + "\",\"properties\":{\"plan\":\"" +
         (i % 2 ? "pro" : "free") + "\",\"country\":\"" + (i % 3 ? "KR" : "US") +
         "\",\"age\":" + std::to_string(18 + i % 60) + "},\"events\":[";
    for (int k = 0; k < 5; ++k) {
      if (k) b += ',';
      const auto at = static_cast<std::int64_t>(kNow - ((i * 7 + k * 3) % 14) * kDay - k * 1000);
      b += std::string("{\"key\":\"") + kKeys[(i + k) % 5] + "\",\"at\":" + std::to_string(at) +
           ",\"properties\":{\"amount\":" + std::to_string((i + k) % 50) + "}}";
    }
    b += "]}";
  }
  return b + "]";
}

std::uint32_t compile(const char* rule) {
  const std::string r = hookcast::api::compile_cohort(rule);
  const std::size_t at = r.find("\"handle\":");
  if (at == std::string::npos) std::abort();
  return static_cast<std::uint32_t>(std::stoul(r.substr(at + 9)));
}

void run(benchmark::State& state, const char* rule) {
  const std::uint32_t h = compile(rule);
  const std::string batch = batch_json();
  for (auto _ : state) {
    const std::string_view out = hookcast::api::cohort_match_batch(h, batch, kNow);
    if (out.size() != kBatch) std::abort();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(batch.size()));
  hookcast::api::release_cohort(h);
}

void BM_CohortMatchBatch(benchmark::State& state) { run(state, kRule); }
BENCHMARK(BM_CohortMatchBatch);

void BM_BaselineTrivialRule(benchmark::State& state) {
  run(state, R"({"property":"zzz","op":"not_exists"})");
}
BENCHMARK(BM_BaselineTrivialRule);

void BM_BaselineParseOnly(benchmark::State& state) {
  const std::string batch = batch_json();
  hookcast::JsonDoc doc;
  for (auto _ : state) {
    if (!doc.parse(batch)) std::abort();
    benchmark::DoNotOptimize(doc.size());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(batch.size()));
}
BENCHMARK(BM_BaselineParseOnly);

}  // namespace

BENCHMARK_MAIN();
