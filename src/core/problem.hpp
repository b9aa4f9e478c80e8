// Problems are values: every rule reports where (field path), what (stable
// code), why (a sentence a marketer understands) and how bad (severity).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hookcast {

enum class Severity { kError, kWarning };

/// The personalization variable a problem is about, as data (so no caller
/// reads it out of the message): where it reads and its canonical name after
/// the root, as engine.variables() lists it ("city", "address.city",
/// "[\"first name\"]"); `display` is how messages write it ("user.city").
struct ProblemVariable {
  std::string source;  ///< "user" or "event"
  std::string name;
  std::string display;
};

/// One finding about a spec or a rendered request.
struct Problem {
  /// Path of the offending field: "url", "method", "params[2].value", "headers[0].key", "body".
  std::string field;
  /// Stable machine word, e.g. "https_required", "invalid_json", "header_injection".
  std::string code;
  /// Sentence for a person, with the position (line/column) where it helps.
  std::string message;
  Severity severity = Severity::kError;
  /// Set on missing_value and missing_fallback: the variable concerned.
  std::optional<ProblemVariable> variable = std::nullopt;
};

using Problems = std::vector<Problem>;

/// True when at least one problem is an error (warnings alone keep a spec valid).
inline bool has_error(const Problems& problems) {
  for (const Problem& p : problems)
    if (p.severity == Severity::kError) return true;
  return false;
}

}  // namespace hookcast
