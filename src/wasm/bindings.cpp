// Embind surface of hookcast: one JS function per hookcast::api function,
// plain strings in and out. No class_, so nothing for users to .delete().
// The api functions never throw, which matters here: an exception crossing
// the wasm/JS boundary leaks wasm stack on every call.
#include <emscripten/bind.h>

#include <cstdint>
#include <string>

#include "api.hpp"

namespace {

// Embind does not marshal std::string_view, so these wrappers only adapt
// the parameter types; all the logic lives in api.cpp.

std::string validate(const std::string& spec, const std::string& options) {
  return hookcast::api::validate(spec, options);
}

std::string variables(const std::string& spec) { return hookcast::api::variables(spec); }

std::string render(const std::string& spec, const std::string& context,
                   const std::string& options) {
  return hookcast::api::render(spec, context, options);
}

std::string compile(const std::string& spec, const std::string& options) {
  return hookcast::api::compile(spec, options);
}

std::string render_compiled(std::uint32_t handle, const std::string& context) {
  return hookcast::api::render_compiled(handle, context);
}

std::string render_batch(std::uint32_t handle, const std::string& contexts) {
  return hookcast::api::render_batch(handle, contexts);
}

void release(std::uint32_t handle) { hookcast::api::release(handle); }

std::uint32_t live_handles() { return hookcast::api::live_handles(); }

std::string to_curl(const std::string& request) { return hookcast::api::to_curl(request); }

std::string to_table(const std::string& request) { return hookcast::api::to_table(request); }

std::string retry_decision(const std::string& outcome, int attempt, double now_ms,
                           const std::string& options) {
  return hookcast::api::retry_decision(outcome, attempt, now_ms, options);
}

}  // namespace

EMSCRIPTEN_BINDINGS(hookcast) {
  emscripten::function("validate", &validate);
  emscripten::function("variables", &variables);
  emscripten::function("render", &render);
  emscripten::function("compile", &compile);
  emscripten::function("render_compiled", &render_compiled);
  emscripten::function("render_batch", &render_batch);
  emscripten::function("release", &release);
  emscripten::function("live_handles", &live_handles);
  emscripten::function("to_curl", &to_curl);
  emscripten::function("to_table", &to_table);
  emscripten::function("retry_decision", &retry_decision);
}
