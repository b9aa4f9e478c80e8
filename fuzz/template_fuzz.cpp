// Fuzzes the template parser: any bytes parse without crashing, pieces tile
// the text in order, and every placeholder is a well-formed `{{ … }}` range.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "template.hpp"

namespace {

// Aborts (not assert: the replay build defines NDEBUG) when the check fails.
void check(bool ok) {
  if (!ok) std::abort();
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  hookcast::Problems problems;
  const hookcast::Template tpl = hookcast::parse_template(text, "body", problems);
  std::size_t cursor = 0;
  for (const hookcast::TemplatePiece& piece : tpl.pieces) {
    check(piece.begin >= cursor && piece.begin < piece.end && piece.end <= size);
    if (problems.empty()) {
      // Without errors, only whitespace removed by {{- / -}} lies between pieces.
      for (std::size_t i = cursor; i < piece.begin; ++i) check(is_space(text[i]));
    }
    if (piece.kind == hookcast::TemplatePiece::Kind::kText) {
      check(piece.text == text.substr(piece.begin, piece.end - piece.begin));
    } else {
      const hookcast::VariableRef& v = piece.variable;
      check(v.begin == piece.begin && v.end == piece.end);
      check(text.substr(v.begin, 2) == "{{" && text.substr(v.end - 2, 2) == "}}");
      check(!v.path.empty());
      check(!hookcast::variable_display(v).empty());
    }
    cursor = piece.end;
  }
  if (problems.empty())
    for (std::size_t i = cursor; i < size; ++i) check(is_space(text[i]));
  for (const hookcast::Problem& p : problems) {
    check(!p.code.empty() && !p.message.empty() && p.field == "body");
    check(p.severity == hookcast::Severity::kError);
  }
  return 0;
}
