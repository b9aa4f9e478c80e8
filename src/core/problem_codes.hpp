// The registry of problem codes: every stable machine word a hookcast
// Problem can carry, with one sentence saying what it means. Messages of
// individual problems are specific (position, value); this is the general
// meaning a client can show or switch on. index.d.ts types the same list as
// a union (ProblemCode); tests check that every code the engine reports is
// registered here.
#pragma once

#include <cstddef>
#include <string_view>

namespace hookcast {

/// One registered code.
struct ProblemCodeInfo {
  std::string_view code;     ///< the stable word, e.g. "https_required"
  std::string_view summary;  ///< what it means, one sentence
};

/// Every registered code, in a stable order (grouped by where it applies).
const ProblemCodeInfo* problem_codes(std::size_t& count);

/// True when `code` is registered.
bool is_problem_code(std::string_view code);

}  // namespace hookcast
