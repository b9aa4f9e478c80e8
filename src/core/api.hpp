// The coarse JSON-in/JSON-out surface that the wasm bindings expose one to
// one. Every function catches its own failures and returns a value: nothing
// throws across the boundary (an exception there leaks wasm stack).
//
// All strings are UTF-8 JSON texts. Shapes follow the public JS API (index.d.ts):
//   spec     {"url","method","params":[{key,value}],"headers":[{key,value}],"body"}
//   options  {"allowLocalHttp":bool}                       (may be "" or "{}")
//   context  {"user":{"id","properties":{}},"event":{"key","properties":{}}}
//   request  {"method","url","headers":[[k,v],...],"body":string|null}
//   problem  {"field","code","message","severity":"error"|"warning"}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hookcast::api {

/// {"ok":bool,"problems":[problem...]}. Malformed spec JSON or wrong field
/// types are problems too (code "invalid_type", "invalid_spec").
std::string validate(std::string_view spec_json, std::string_view options_json);

/// [{"source":"user"|"event","name","fallback":string|null,"field"}...]
/// Variables of a spec whose templates parse; unparsable parts are skipped.
std::string variables(std::string_view spec_json);

/// {"ok":true,"request":request,"warnings":[problem...]} or
/// {"ok":false,"problems":[problem...]}
std::string render(std::string_view spec_json, std::string_view context_json,
                   std::string_view options_json);

/// Compiles a spec once for many renders. Returns
/// {"ok":true,"handle":N,"warnings":[problem...],"layout":layout} (the
/// compile-time warnings, as validate() lists them) or
/// {"ok":false,"problems":[...]}. The layout is what every render of the
/// handle shares, for reading the packed format:
/// {"method":"POST","headers":[["Content-Type","application/json"],
/// ["Name","static value"],["Name",null],...],"body":bool}: a header whose
/// value holds no placeholder has its value there (null: it differs per
/// user); "body" tells whether requests carry one (else body is null). A handle lives
/// until release(handle); a released handle stays invalid (its slot may be
/// reused, under a new generation, 4096 times before a number repeats).
std::string compile(std::string_view spec_json, std::string_view options_json);

/// Same result as render() for the compiled spec. Warnings of a render are
/// those of that user (missing_value); compile-time warnings come from
/// compile() and validate().
std::string render_compiled(std::uint32_t handle, std::string_view context_json);

/// contexts_json is a JSON array; returns a JSON array of render results, one
/// per context, in order. When the handle is unknown, or contexts_json is not
/// a JSON array, returns one {"ok":false,"problems":[...]} object instead.
std::string render_batch(std::uint32_t handle, std::string_view contexts_json);

/// render_compiled() without copying the result: the view points into a
/// buffer reused by the next *_view call on this thread. For bindings that
/// decode the bytes straight out of wasm memory (TextDecoder over HEAPU8):
/// Embind's std::string return walks the text byte by byte in JavaScript,
/// which costs more than the render itself.
std::string_view render_compiled_view(std::uint32_t handle, std::string_view context_json);

/// render_batch() without copying the result; same lifetime as
/// render_compiled_view().
std::string_view render_batch_view(std::uint32_t handle, std::string_view contexts_json);

/// render_compiled_view() in the packed format (packed_format.hpp), which a
/// binding turns into result objects without a JSON parse of the request.
/// Same buffer and lifetime as render_compiled_view().
std::string_view render_compiled_packed(std::uint32_t handle, std::string_view context_json);

/// render_batch_view() in the packed format: one record per context, in
/// order (or a single packed::kFailed record). Same lifetime as render_compiled_view().
std::string_view render_batch_packed(std::uint32_t handle, std::string_view contexts_json);

/// render() in the packed format, for a one-off render: the compile
/// layout's JSON as the first field, then one record; or a single
/// packed::kFailed record when the spec (or options) has an error. Same
/// buffer and lifetime as render_compiled_view().
std::string_view render_once_packed(std::string_view spec_json, std::string_view context_json,
                                    std::string_view options_json);

/// Frees a compiled webhook; unknown or already released handles are ignored.
void release(std::uint32_t handle);

/// Number of live compiled handles (lets tests prove the finalizer frees them).
std::uint32_t live_handles();

/// request JSON -> {"ok":true,"curl":string} | {"ok":false,"problems":[...]}
std::string to_curl(std::string_view request_json);

/// request JSON -> {"ok":true,"rows":[{"section","key","value"}...]} | {"ok":false,...}
std::string to_table(std::string_view request_json);

/// outcome {"status":N,"retryAfter"?:string} | {"error":"timeout"|"network"};
/// options {"jitter":bool,"seed":number}. Returns
/// {"ok":true,"retry":bool,"delayMs":N,"reason":string,"verdict":"delivered"|"retry"|"failed"}
/// | {"ok":false,"problems":[...]}
std::string retry_decision(std::string_view outcome_json, int attempt, double now_ms,
                           std::string_view options_json);

}  // namespace hookcast::api
