// JSON syntax check without exceptions (works under -fno-exceptions), with
// the byte position of the first error: the body check and the fuzz oracle
// share it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hookcast {

/// Verdict of check_json_syntax.
struct JsonSyntaxCheck {
  bool failed = false;       ///< true when `text` is not one valid JSON value
  std::size_t position = 0;  ///< nlohmann's 1-based byte position of the error
  std::string what;          ///< nlohmann's message for the error
};

/// Checks that `text` is exactly one JSON value (RFC 8259). A NUL byte ends
/// nlohmann's input, so callers that accept arbitrary bytes refuse NUL first.
JsonSyntaxCheck check_json_syntax(std::string_view text);

}  // namespace hookcast
