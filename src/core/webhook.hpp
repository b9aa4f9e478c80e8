// A webhook spec checked and compiled once: every field parsed, every
// placeholder classified by where it stands, every static fragment already
// encoded for its place, so rendering a user is a walk over ready pieces.
//
// Limits (checked on the spec, and again on each rendered request where the
// size depends on the user's values):
//   URL               ≤ 8192 bytes (spec text and rendered URL incl. params)
//   params            ≤ 50 rows
//   headers           ≤ 50 rows (plus the fixed Content-Type)
//   header value      ≤ 8192 bytes (spec text and rendered value)
//   body              ≤ 256 KiB (spec text and rendered body)
//
// Decisions worth knowing:
//   * Method: GET POST PUT PATCH DELETE. A lowercase or mixed-case spelling of
//     one of them ("post") is accepted, uppercased, with the warning
//     `method_normalized`; anything else is `invalid_method`.
//   * Headers refused as `forbidden_header` (they frame the message or belong
//     to a hop): Host, Content-Length, Transfer-Encoding, Connection, Upgrade,
//     Keep-Alive, TE, Trailer, Proxy-Connection, Expect and every Proxy-*.
//   * Literal text of params (keys and values) is percent-encoded like values,
//     so "a&b" typed as a key stays one key.
//   * Placeholders in the URL fragment are dropped with the fragment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "problem.hpp"
#include "request.hpp"
#include "template.hpp"

namespace hookcast {

/// The methods a webhook may use, in the order people list them.
inline constexpr const char* kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
constexpr std::size_t kMaxUrlBytes = 8192;          ///< spec URL and rendered URL
constexpr std::size_t kMaxParams = 50;              ///< rows in params
constexpr std::size_t kMaxHeaders = 50;             ///< rows in headers
constexpr std::size_t kMaxHeaderValueBytes = 8192;  ///< spec and rendered header value
/// Placeholder occurrences in one webhook (URL, params, headers and body
/// together). Real webhook templates use a few to a few dozen (a CRM upsert
/// that maps every profile field: ~50-100); each one costs work per user at
/// every render, and their warnings grow with them, so a body of 20,000
/// placeholders made one audience check take seconds. `too_many_placeholders`.
constexpr std::size_t kMaxPlaceholders = 200;

/// How a placeholder's value is written where it stands.
enum class SlotMode : std::uint8_t {
  kPathSegment,  ///< URL path: percent-encoded (percent_encode)
  kQuery,        ///< URL query or a params key/value: percent_encode
  kHeader,       ///< header value: raw bytes (CR, LF, NUL refuse the request)
  kBodyString,   ///< inside a body JSON string: JSON-string-escaped
  kBodyValue,    ///< a whole body JSON value: written as JSON
};

/// One distinct variable path, looked up once per render however often used.
struct Lookup {
  VariableSource source = VariableSource::kUser;
  /// Reads context.user.id / context.event.key first (path[0] is consumed).
  bool builtin = false;
  /// Steps after the root (after "id"/"key" for builtins).
  std::vector<PathSegment> path;
  /// "user.address.city", for warnings.
  std::string display;
  /// "address.city": the canonical name after the root (VariableRef::name).
  std::string name;
};

/// One placeholder occurrence.
struct Slot {
  std::uint32_t lookup = 0;  ///< index into CompiledWebhook::lookups
  SlotMode mode = SlotMode::kHeader;
  /// The fallback, already encoded for `mode` (for kBodyValue: a quoted JSON
  /// string or the number text). Absent without `default:`.
  std::optional<std::string> fallback;
  std::string field;  ///< where it stands: "url", "params[1].value", ...
};

/// Static text followed by an optional placeholder: the unit of rendering.
struct Op {
  std::string text;        ///< already encoded for where it stands
  std::int32_t slot = -1;  ///< index into CompiledWebhook::slots, or -1
};

/// One compiled header row.
struct CompiledHeader {
  std::string name;
  std::vector<Op> value;
  std::string field;  ///< "headers[i].value"
};

/// Everything a render needs, prepared once.
struct CompiledWebhook {
  std::string method;  ///< uppercase
  std::vector<Lookup> lookups;
  std::vector<Slot> slots;
  /// The full URL: origin, path, query and params, fragment dropped.
  std::vector<Op> url;
  std::vector<CompiledHeader> headers;  ///< the spec's headers (Content-Type comes first, fixed)
  bool has_body = false;                ///< false for GET and for empty/whitespace bodies
  std::vector<Op> body;
  Problems warnings;  ///< warnings found while compiling
};

/// Checks `spec` against every rule and, when no error was found, fills
/// `out` (when given). Returns every problem found, errors and warnings, in
/// field order (url, method, params, headers, body).
Problems compile_webhook(const WebhookSpec& spec, const Options& options, CompiledWebhook* out);

/// All problems of `spec` (errors and warnings): compile_webhook without output.
Problems validate_webhook(const WebhookSpec& spec, const Options& options);

/// True when `name` is an RFC 9110 token (1*tchar).
bool is_http_token(std::string_view name);

/// True when a query/param key looks like a credential (token, api_key,
/// secret, password, signature, ...; case-insensitive, '-' and '_' ignored).
bool looks_like_credential(std::string_view key);

}  // namespace hookcast
