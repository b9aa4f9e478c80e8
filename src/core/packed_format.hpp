// The packed answer of a compiled render: what the JavaScript side turns
// into result objects without parsing the request as JSON (see
// unpack() in src/js/engine.js, which names the same tags in PACKED).
//
// A sequence of fields, each followed by one NUL byte, in UTF-8; a record
// starts with a one-letter tag field:
//   kOk        ok: the URL, the value of each layout header whose layout
//              value is null (in layout order), then the body when the
//              layout has one
//   kWarnings  ok with warnings: the same fields, then the warnings as a
//              JSON array
//   kRefused   refused: the problems as a JSON array
//   kFailed    the whole call failed (unknown handle, contexts not a JSON
//              array): its {"ok":false,"problems":[...]} JSON
// The layout is compile()'s: method, headers (static values or null), body.
// A one-off render (render_once_packed) puts the layout's JSON first, as a
// field of its own, then its one record.
#pragma once

namespace hookcast::packed {

inline constexpr char kOk = 'o';
inline constexpr char kWarnings = 'w';
inline constexpr char kRefused = 'e';
inline constexpr char kFailed = 'x';

}  // namespace hookcast::packed
