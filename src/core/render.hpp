// Rendering a compiled webhook for one user: context in, request out.
//
// Where a value stands decides what it becomes (see docs/design.md), so no value
// can add a path segment, a parameter, a header, a JSON key, or break the
// body's JSON:
//   URL path          percent-encoded segment (percent_encode); a
//                     segment holding a placeholder that renders as a dot
//                     segment ("." or "..", any spelling) refuses that
//                     user's request (path_traversal)
//   URL query/params  percent-encoded component (percent_encode)
//   header value      raw bytes, then the value is trimmed of spaces/tabs;
//                     CR, LF or NUL refuse that user's request (header_injection)
//   body, in a string JSON-string-escaped
//   body, whole value JSON: numbers as written, text quoted, true/false,
//                     arrays/objects as compact JSON; nil/missing → null
//
// Text of a value (everywhere but a whole body value), as Liquid prints it:
// nil → "", true/false → "true"/"false", numbers → their JSON text as written
// (liquidjs would print JavaScript's form: 1.0 → "1"), strings as is, arrays →
// their elements' texts joined with "" (nested arrays flattened), objects →
// compact JSON (Liquid has no standard form for them).
//
// `default:` applies, as in liquidjs, when the value is missing, nil, false,
// "" or an empty array; 0 and {} keep their value. `.size` counts UTF-16 code
// units for strings (as JavaScript and liquidjs do), elements for arrays and
// keys for objects without a "size" key; `.first`/`.last` pick array
// elements; a numeric `.0` on an array is an index, as in liquidjs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "buffer.hpp"
#include "json_text.hpp"
#include "problem.hpp"
#include "request.hpp"
#include "webhook.hpp"

namespace hookcast {

/// A variable's value for one render: a context node, a computed count
/// (`.size`), or nothing.
struct ResolvedValue {
  enum class Kind : std::uint8_t { kMissing, kNode, kCount };
  Kind kind = Kind::kMissing;
  std::uint32_t node = 0;
  std::uint64_t count = 0;
};

/// Buffers reused from one render to the next, so a warm render allocates
/// nothing it can avoid. One per thread; never shared between threads.
struct RenderScratch {
  JsonDoc doc;                        ///< the parsed context (or batch of contexts)
  Buffer text;                        ///< a value's text before encoding
  std::vector<ResolvedValue> values;  ///< one per Lookup
  /// Where each URL path placeholder's text starts in the rendered URL.
  std::vector<std::uint32_t> path_marks;
};

/// The rendered parts of one request, in buffers reused across renders.
struct RenderedRequest {
  bool ok = false;
  Buffer url;
  /// One per CompiledWebhook::headers, same order (Content-Type not included).
  std::vector<Buffer> header_values;
  bool has_body = false;
  Buffer body;
  /// ok: warnings of this render (`missing_value`); !ok: the errors
  /// (`invalid_context`, `header_injection`, `path_traversal`, `url_too_long`,
  /// `header_value_too_long`, `body_too_large`).
  Problems problems;
};

/// Renders for the context object at node `root` of `doc`. Fields of a context:
/// {"user":{"id","properties":{}},"event":{"key","properties":{}}}; each part
/// may be absent or null. A context that is not an object, or whose user,
/// event or properties is neither an object nor null, is `invalid_context`.
void render_context(const CompiledWebhook& webhook, const JsonDoc& doc, std::uint32_t root,
                    RenderScratch& scratch, RenderedRequest& out);

/// Parses `context_json` into scratch.doc (malformed JSON is `invalid_context`
/// with the position) and renders it.
void render_json(const CompiledWebhook& webhook, std::string_view context_json,
                 RenderScratch& scratch, RenderedRequest& out);

/// True when `header`'s value holds no placeholder; `value` is then what
/// every render gives it (the same bytes render_context writes).
bool static_header_value(const CompiledHeader& header, std::string& value);

/// The request as sent: Content-Type: application/json first, then the
/// spec's headers; body nullopt for GET and bodiless specs. Only for ok renders.
HttpRequest to_http_request(const CompiledWebhook& webhook, const RenderedRequest& rendered);

/// One-shot convenience over render_json for tests and tools.
struct RenderResult {
  bool ok = false;
  HttpRequest request;  ///< when ok
  Problems problems;    ///< warnings when ok, errors otherwise
};

/// Renders `webhook` for `context_json` with fresh buffers.
RenderResult render(const CompiledWebhook& webhook, std::string_view context_json);

}  // namespace hookcast
