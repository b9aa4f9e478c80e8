// The JSON body with placeholders: where each placeholder stands (inside a
// JSON string, or as a whole JSON value) and whether the text around the
// placeholders is valid JSON, with exact line/column positions.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "problem.hpp"
#include "template.hpp"

namespace hookcast {

/// Largest body accepted, in bytes, before and after rendering (256 KiB).
constexpr std::size_t kMaxBodyBytes = 256 * 1024;

/// How a body placeholder's value is written.
enum class BodySlot {
  kInString,    ///< inside a JSON string: the value is JSON-string-escaped
  kWholeValue,  ///< a whole JSON value: the value is written as JSON
};

/// A body parsed and checked once.
struct BodyAnalysis {
  bool ok = false;  ///< no error was found
  Template tpl;     ///< the parsed template (empty when !ok)
  /// One entry per placeholder of `tpl`, in order of appearance.
  std::vector<BodySlot> slots;
};

/// Checks `body` (field "body"): valid UTF-8 (`invalid_utf8`), a valid
/// template, and valid JSON around the placeholders (`invalid_json`). A
/// placeholder may stand inside a JSON string (key or value) or as a whole
/// value; anywhere else (`1{{ a }}`, two placeholders as one value, a bare
/// placeholder as a key) is `invalid_json`. The JSON check runs on a copy
/// where each whole-value placeholder reads `null` padded with spaces and each
/// in-string placeholder reads as `x` bytes of the same length, so positions
/// in messages are exact.
BodyAnalysis analyze_body(std::string_view body, Problems& problems);

}  // namespace hookcast
