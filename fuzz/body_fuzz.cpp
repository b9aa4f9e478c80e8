// Fuzzes body analysis and rendering. Input: a body, optionally followed by
// "\n---\n" and a context JSON. Whatever the bytes, a body that compiles
// renders to valid JSON (checked with nlohmann) for every context it accepts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "render.hpp"
#include "webhook.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// Hostile values under the names the seeds use.
const char* const kContexts[] = {
    R"({"user":{"id":"\"},{","properties":{"a":"\",\"x\":1","b":[1,{"c":"}"},[]],"n":-1.5e3,
        "t":true,"f":false,"z":null,"e":"","l":[],"s":"\u0000\ud800\n","o":{"k":"</script>"}}},
        "event":{"key":"k\r\nX: 1","properties":{"a":"\\","n":0}}})",
    R"({"user":{"properties":{"a":{"a":{"a":[[["\udfff"]]]}},"b":"{{ user.a }}"}}})",
    R"({})",
};

void render_and_check(const hookcast::CompiledWebhook& wh, std::string_view context) {
  const hookcast::RenderResult r = hookcast::render(wh, context);
  if (!r.ok) {
    check(!r.problems.empty());
    return;
  }
  check(r.request.body.has_value());
  check(!nlohmann::json::parse(*r.request.body, nullptr, false).is_discarded());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t sep = input.find("\n---\n");
  hookcast::WebhookSpec spec;
  spec.url = "https://api.example.com/hook";
  spec.method = "POST";
  spec.body = std::string(input.substr(0, sep));
  hookcast::CompiledWebhook wh;
  const hookcast::Problems problems = hookcast::compile_webhook(spec, hookcast::Options{}, &wh);
  if (hookcast::has_error(problems) || !wh.has_body) return 0;
  if (sep != std::string_view::npos) render_and_check(wh, input.substr(sep + 5));
  for (const char* context : kContexts) render_and_check(wh, context);
  return 0;
}
