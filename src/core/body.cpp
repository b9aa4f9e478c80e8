#include "body.hpp"

#include <nlohmann/json.hpp>
#include <string>

#include "json_check.hpp"
#include "json_text.hpp"
#include "unicode.hpp"

namespace hookcast {
namespace {

// nlohmann's message minus its prefix and its own (byte-based) position.
std::string reason_of(const std::string& what) {
  std::string r = what;
  const std::size_t col = r.find(", column ");
  if (col != std::string::npos) {
    const std::size_t colon = r.find(": ", col);
    if (colon != std::string::npos) r = r.substr(colon + 2);
  } else {
    const std::size_t bracket = r.find("] ");
    if (bracket != std::string::npos) r = r.substr(bracket + 2);
  }
  const std::string prefix = "syntax error while parsing ";
  if (r.compare(0, prefix.size(), prefix) == 0) {
    const std::size_t dash = r.find(" - ");
    if (dash != std::string::npos) r = r.substr(dash + 3);
  }
  return r;
}

// Only the first error and its byte position; sax_parse reports errors
// through this callback instead of throwing, so it works with -fno-exceptions.
struct ErrorSax : nlohmann::json_sax<nlohmann::json> {
  JsonSyntaxCheck result;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t pos, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    result = {true, pos, ex.what()};
    return false;
  }
};

}  // namespace

JsonSyntaxCheck check_json_syntax(std::string_view text) {
  ErrorSax sax;
  nlohmann::json::sax_parse(text, &sax, nlohmann::json::input_format_t::json, true);
  return sax.result;
}

BodyAnalysis analyze_body(std::string_view body, Problems& problems) {
  BodyAnalysis result;
  const std::size_t bad = find_invalid_utf8(body);
  if (bad != std::string_view::npos) {
    problems.push_back(Problem{
        "body", "invalid_utf8",
        "The body has a byte that is not UTF-8 text at " + describe_position(body, bad) + ".",
        Severity::kError});
    return result;
  }
  // nlohmann stops at a NUL byte as if the text ended there; JSON.parse and
  // every receiver would not, so a NUL is refused before the JSON check.
  const std::size_t nul = body.find('\0');
  if (nul != std::string_view::npos) {
    problems.push_back(Problem{"body", "invalid_json",
                               "The body has a NUL character at " + describe_position(body, nul) +
                                   "; JSON text cannot hold one (write \\u0000 inside a string).",
                               Severity::kError});
    return result;
  }
  const std::size_t before = problems.size();
  Template tpl = parse_template(body, "body", problems);
  if (problems.size() != before) return result;

  // Where does each placeholder stand? Walk the JSON text between them,
  // tracking only "inside a string or not" (the full check comes next).
  std::string check(body);
  std::vector<BodySlot> slots;
  std::vector<std::pair<std::size_t, std::size_t>> value_ranges;
  bool in_string = false, escape = false;
  std::size_t cursor = 0;
  auto walk = [&](std::size_t end) {
    for (; cursor < end; ++cursor) {
      const char c = body[cursor];
      if (escape) {
        escape = false;
      } else if (in_string && c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = !in_string;
      }
    }
  };
  std::size_t kept_end = 0;  // end of the last kept literal or tag
  for (const TemplatePiece& piece : tpl.pieces) {
    // Whitespace removed by {{- / -}} becomes spaces: same validity, same offsets.
    for (std::size_t i = kept_end; i < piece.begin; ++i) check[i] = ' ';
    kept_end = piece.end;
    if (piece.kind == TemplatePiece::Kind::kText) continue;
    walk(piece.begin);
    escape = false;
    const std::size_t len = piece.end - piece.begin;
    if (in_string) {
      slots.push_back(BodySlot::kInString);
      check.replace(piece.begin, len, len, 'x');
    } else {
      slots.push_back(BodySlot::kWholeValue);
      check.replace(piece.begin, len, len, ' ');
      check.replace(piece.begin, 4, "null");
      value_ranges.emplace_back(piece.begin, piece.end);
    }
    cursor = piece.end;
  }
  for (std::size_t i = kept_end; i < body.size(); ++i) check[i] = ' ';

  const JsonSyntaxCheck sax = check_json_syntax(check);
  if (sax.failed) {
    std::size_t offset = sax.position > 0 ? sax.position - 1 : 0;
    if (offset > body.size()) offset = body.size();
    for (const auto& range : value_ranges) {
      if (offset >= range.first && offset < range.second) {
        problems.push_back(
            Problem{"body", "invalid_json",
                    "The placeholder at " + describe_position(body, range.first) +
                        " cannot stand there: in a JSON body a placeholder goes inside a string "
                        "(\"Hi {{ user.name }}\") or as a whole value (\"age\": {{ user.age }}).",
                    Severity::kError});
        return result;
      }
    }
    problems.push_back(Problem{"body", "invalid_json",
                               "The body is not valid JSON at " + describe_position(body, offset) +
                                   ": " + reason_of(sax.what) + ".",
                               Severity::kError});
    return result;
  }
  result.ok = true;
  result.tpl = std::move(tpl);
  result.slots = std::move(slots);
  return result;
}

}  // namespace hookcast
