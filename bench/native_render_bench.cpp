// Native throughput of the per-render path, on bench/workload.mjs's webhook
// (nine placeholders over the URL path, a param, a header and a JSON body).
// Baseline printed beside it: copying the same contexts' JSON into a string
// (the floor any JSON-in/JSON-out renderer pays), measured in the same run.
// Run: build/native/native_render_bench
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "api.hpp"

namespace {

const char* kSpec = R"({
  "url": "https://api.example.com/v1/users/{{ user.id }}/events/{{ event.key }}",
  "method": "POST",
  "params": [{"key": "campaign", "value": "spring-sale"},
             {"key": "city", "value": "{{ user.address.city | default: \"unknown\" }}"}],
  "headers": [{"key": "Authorization", "value": "Bearer sk_live_0123456789"},
              {"key": "X-Greeting", "value": "Hello {{ user.first_name | default: \"there\" }}"}],
  "body": "{\"user_id\": \"{{ user.id }}\", \"name\": \"{{ user.first_name | default: \"there\" }}\", \"email\": \"{{ user.email }}\", \"age\": {{ user.age | default: 0 }}, \"product\": \"{{ event.product_id }}\", \"source\": \"hookcast\"}"
})";

const char* kCities[] = {"Berlin", "São Paulo", "New York", "Tōkyō", "Zürich", "Lagos", "Seoul"};
const char* kNames[] = {"Ana",      "Bo \\\"the boss\\\"", "Chloé", "Dmitri",
                        "Eve & co", "Fran\\\\k",           "Gül"};

// The same users as bench/workload.mjs's makeContexts(i), as JSON.stringify writes them.
std::string context(int i) {
  std::string c = "{\"user\":{\"id\":\"u" + std::to_string(100000 + i) +
                  "\",\"properties\":{\"first_name\":\"" + kNames[i % 7] + "\",\"email\":\"user" +
                  std::to_string(i) + "@example.com\",\"age\":" + std::to_string(18 + i % 60) +
                  ",\"address\":";
  c += i % 5 == 0 ? std::string("{}") : std::string("{\"city\":\"") + kCities[i % 7] + "\"}";
  c += "}},\"event\":{\"key\":\"";
  c += i % 2 ? "purchase" : "signup";
  c += "\",\"properties\":{\"product_id\":\"sku-" + std::to_string(i % 97) + "\"}}}";
  return c;
}

std::uint32_t compile_handle() {
  const std::string r = hookcast::api::compile(kSpec, "");
  const std::size_t at = r.find("\"handle\":");
  if (at == std::string::npos) std::abort();
  return static_cast<std::uint32_t>(std::stoul(r.substr(at + 9)));
}

void BM_RenderCompiled(benchmark::State& state) {
  const std::uint32_t h = compile_handle();
  std::string contexts[64];
  for (int i = 0; i < 64; ++i) contexts[i] = context(i);
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string out = hookcast::api::render_compiled(h, contexts[i++ & 63]);
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["out_bytes/render"] = static_cast<double>(bytes) / state.iterations();
  hookcast::api::release(h);
}
BENCHMARK(BM_RenderCompiled);

std::string batch_json(int n) {
  std::string b = "[";
  for (int i = 0; i < n; ++i) {
    if (i) b += ',';
    b += context(i);
  }
  return b + "]";
}

void BM_RenderBatch1000(benchmark::State& state) {
  const std::uint32_t h = compile_handle();
  const std::string batch = batch_json(1000);
  for (auto _ : state) {
    const std::string out = hookcast::api::render_batch(h, batch);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 1000);
  hookcast::api::release(h);
}
BENCHMARK(BM_RenderBatch1000);

// The packed answer the JS binding reads (no per-render JSON escaping).
void BM_RenderBatchPacked1000(benchmark::State& state) {
  const std::uint32_t h = compile_handle();
  const std::string batch = batch_json(1000);
  for (auto _ : state) {
    const std::string_view out = hookcast::api::render_batch_packed(h, batch);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 1000);
  hookcast::api::release(h);
}
BENCHMARK(BM_RenderBatchPacked1000);

// Baseline: one copy of the batch's JSON text (memory traffic floor).
void BM_BaselineCopyBatch1000(benchmark::State& state) {
  const std::string batch = batch_json(1000);
  for (auto _ : state) {
    std::string copy = batch;
    benchmark::DoNotOptimize(copy.data());
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_BaselineCopyBatch1000);

// One-shot render (decode spec + compile + render), what a preview keystroke costs.
void BM_RenderOneShot(benchmark::State& state) {
  const std::string ctx = context(3);
  for (auto _ : state) {
    const std::string out = hookcast::api::render(kSpec, ctx, "");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RenderOneShot);

}  // namespace

BENCHMARK_MAIN();
