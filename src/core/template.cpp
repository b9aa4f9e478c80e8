#include "template.hpp"

#include <cstring>

#include "ascii.hpp"
#include "unicode.hpp"

namespace hookcast {
namespace {

bool is_liquid_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
using ascii::is_digit;
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c) || c == '-'; }

bool is_plain_name(std::string_view key) {
  if (key.empty()) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    if (i + 1 == key.size() && c == '?' && i > 0) continue;
    if (!is_ident_char(c)) return false;
  }
  return key[0] != '-';
}

// Shows a short excerpt of what a person typed, for messages.
std::string excerpt(std::string_view text) {
  constexpr std::size_t kMax = 40;
  if (text.size() <= kMax) return std::string(text);
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "…";
}

// Parses the inside of one `{{ }}` (the dashes of whitespace control removed).
class TagParser {
 public:
  TagParser(std::string_view field_text, std::size_t inner_begin, std::size_t inner_end,
            std::string_view field, Problems& problems)
      : text_(field_text), p_(inner_begin), end_(inner_end), field_(field), problems_(problems) {}

  bool parse(VariableRef& out) {
    skip_space();
    if (p_ >= end_)
      return fail(p_, "empty_tag", "is empty: write a variable inside, like {{ user.first_name }}");
    const std::size_t root_at = p_;
    if (!is_ident_start(text_[p_])) {
      return fail(p_, "invalid_variable",
                  "must start with user. or event. (found \"" + excerpt(rest()) + "\")");
    }
    while (p_ < end_ && is_ident_char(text_[p_])) ++p_;
    const std::string_view root = text_.substr(root_at, p_ - root_at);
    if (root == "user") {
      out.source = VariableSource::kUser;
    } else if (root == "event") {
      out.source = VariableSource::kEvent;
    } else {
      return fail(root_at, "unknown_variable",
                  "uses \"" + excerpt(root) +
                      "\", but only user.… and event.… variables exist (for example "
                      "{{ user.first_name }} or {{ event.product_id }})");
    }
    if (!parse_path(out)) return false;
    if (out.path.empty()) {
      return fail(root_at, "unknown_variable",
                  "names \"" + std::string(root) +
                      "\" alone; name one of its properties, like {{ " + std::string(root) +
                      (root == "user" ? ".first_name" : ".product_id") + " }}");
    }
    skip_space();
    if (p_ >= end_) return true;
    if (text_[p_] != '|') {
      return fail(p_, "invalid_variable",
                  "has unexpected text \"" + excerpt(rest()) +
                      "\" after the variable; only a | default: \"…\" filter may follow");
    }
    ++p_;
    return parse_filter(out);
  }

 private:
  std::string_view rest() const { return text_.substr(p_, end_ - p_); }
  void skip_space() {
    while (p_ < end_ && is_liquid_space(text_[p_])) ++p_;
  }

  bool fail(std::size_t at, const char* code, const std::string& what) {
    problems_.push_back(Problem{
        std::string(field_), code,
        "The placeholder at " + describe_position(text_, at) + " " + what + ".", Severity::kError});
    return false;
  }

  bool parse_path(VariableRef& out) {
    for (;;) {
      if (p_ >= end_) return true;
      const char c = text_[p_];
      if (c == '.') {
        ++p_;
        const std::size_t at = p_;
        while (p_ < end_ && is_ident_char(text_[p_])) ++p_;
        if (p_ < end_ && text_[p_] == '?' && p_ > at) ++p_;
        if (p_ == at) {
          return fail(at, "invalid_variable", "has a '.' that is not followed by a property name");
        }
        PathSegment seg;
        seg.key = std::string(text_.substr(at, p_ - at));
        out.path.push_back(std::move(seg));
        continue;
      }
      if (c == '[') {
        const std::size_t open = p_;
        ++p_;
        skip_space();
        PathSegment seg;
        if (p_ < end_ && (text_[p_] == '"' || text_[p_] == '\'')) {
          const char quote = text_[p_];
          const std::size_t close = text_.find(quote, p_ + 1);
          if (close == std::string_view::npos || close >= end_) {
            return fail(p_, "invalid_variable", "has a quoted name that is never closed");
          }
          seg.key = std::string(text_.substr(p_ + 1, close - p_ - 1));
          seg.bracket = true;
          p_ = close + 1;
        } else {
          const std::size_t at = p_;
          if (p_ < end_ && text_[p_] == '-') ++p_;
          const std::size_t digits = p_;
          while (p_ < end_ && is_digit(text_[p_])) ++p_;
          if (p_ == digits || p_ - digits > 15) {
            return fail(open, "invalid_variable",
                        "has brackets that must hold a quoted name like [\"first name\"] or a "
                        "whole number like [0]");
          }
          seg.kind = PathSegment::Kind::kIndex;
          long long v = 0;
          for (std::size_t i = digits; i < p_; ++i) v = v * 10 + (text_[i] - '0');
          seg.index = text_[at] == '-' ? -v : v;
        }
        skip_space();
        if (p_ >= end_ || text_[p_] != ']') {
          return fail(open, "invalid_variable", "has a '[' that is not closed by ']'");
        }
        ++p_;
        out.path.push_back(std::move(seg));
        continue;
      }
      return true;
    }
  }

  bool parse_filter(VariableRef& out) {
    skip_space();
    const std::size_t at = p_;
    while (p_ < end_ && is_ident_char(text_[p_])) ++p_;
    const std::string_view name = text_.substr(at, p_ - at);
    if (name.empty()) {
      return fail(at, "unknown_filter",
                  "has a '|' without a filter; only | default: \"…\" is supported");
    }
    if (name != "default") {
      return fail(at, "unknown_filter",
                  "uses the filter \"" + excerpt(name) +
                      "\"; only default is supported, as in | default: \"there\"");
    }
    skip_space();
    if (p_ >= end_ || text_[p_] != ':') {
      return fail(at, "invalid_filter_argument",
                  "uses default without a value; write default: \"text\" or default: 0");
    }
    ++p_;
    skip_space();
    Fallback fb;
    const std::size_t arg = p_;
    if (p_ < end_ && (text_[p_] == '"' || text_[p_] == '\'')) {
      const char quote = text_[p_];
      const std::size_t close = text_.find(quote, p_ + 1);
      if (close == std::string_view::npos || close >= end_) {
        return fail(arg, "invalid_filter_argument", "has a default text whose quote is not closed");
      }
      fb.kind = Fallback::Kind::kString;
      fb.text = std::string(text_.substr(p_ + 1, close - p_ - 1));
      p_ = close + 1;
    } else {
      // A JSON-compatible number, so it can stand as a JSON value in a body.
      std::size_t q = p_;
      if (q < end_ && text_[q] == '-') ++q;
      const std::size_t int_begin = q;
      while (q < end_ && is_digit(text_[q])) ++q;
      bool ok = q > int_begin && !(text_[int_begin] == '0' && q - int_begin > 1);
      if (ok && q < end_ && text_[q] == '.') {
        const std::size_t frac = ++q;
        while (q < end_ && is_digit(text_[q])) ++q;
        ok = q > frac;
      }
      if (!ok || (q < end_ && !is_liquid_space(text_[q]) && text_[q] != '|' && text_[q] != ',')) {
        return fail(arg, "invalid_filter_argument",
                    "needs a quoted text or a number after default: (like default: \"there\" or "
                    "default: 0)");
      }
      fb.kind = Fallback::Kind::kNumber;
      fb.text = std::string(text_.substr(p_, q - p_));
      p_ = q;
    }
    skip_space();
    if (p_ < end_) {
      if (text_[p_] == '|') {
        return fail(p_, "too_many_filters", "has more than one filter; use a single | default: …");
      }
      return fail(p_, "invalid_filter_argument",
                  "has unexpected text \"" + excerpt(rest()) + "\" after the default value");
    }
    out.fallback = std::move(fb);
    return true;
  }

  std::string_view text_;
  std::size_t p_, end_;
  std::string_view field_;
  Problems& problems_;
};

std::string canonical_name(const std::vector<PathSegment>& path) {
  std::string name;
  for (const PathSegment& seg : path) {
    if (seg.kind == PathSegment::Kind::kIndex) {
      name += '[';
      name += std::to_string(seg.index);
      name += ']';
    } else if (is_plain_name(seg.key)) {
      if (!name.empty()) name += '.';
      name += seg.key;
    } else {
      const char quote = seg.key.find('"') == std::string::npos ? '"' : '\'';
      name += '[';
      name += quote;
      name += seg.key;
      name += quote;
      name += ']';
    }
  }
  return name;
}

}  // namespace

const char* variable_source_name(VariableSource source) {
  return source == VariableSource::kUser ? "user" : "event";
}

bool VariableRef::is_builtin() const {
  return !path.empty() && path[0].kind == PathSegment::Kind::kKey &&
         path[0].key == (source == VariableSource::kUser ? "id" : "key");
}

bool Template::is_static() const {
  for (const TemplatePiece& p : pieces)
    if (p.kind == TemplatePiece::Kind::kVariable) return false;
  return true;
}

std::vector<const VariableRef*> Template::variables() const {
  std::vector<const VariableRef*> out;
  for (const TemplatePiece& p : pieces)
    if (p.kind == TemplatePiece::Kind::kVariable) out.push_back(&p.variable);
  return out;
}

std::string describe_position(std::string_view text, std::size_t offset) {
  if (offset > text.size()) offset = text.size();
  std::size_t line = 1, line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  const std::size_t column = 1 + utf8_code_points(text.substr(line_start, offset - line_start));
  if (text.find('\n') == std::string_view::npos) return "column " + std::to_string(column);
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string variable_display(const VariableRef& variable) {
  std::string out = variable_source_name(variable.source);
  if (!variable.name.empty() && variable.name[0] != '[') out += '.';
  out += variable.name;
  return out;
}

Template parse_template(std::string_view text, std::string_view field, Problems& problems) {
  Template tpl;
  const std::size_t n = text.size();
  std::size_t literal_begin = 0;  // start of the pending literal text
  bool strip_next = false;        // the previous placeholder ended with -}}
  std::size_t scan = 0;

  auto flush_literal = [&](std::size_t end, bool strip_before) {
    std::size_t b = literal_begin, e = end;
    if (strip_next)
      while (b < e && is_liquid_space(text[b])) ++b;
    if (strip_before)
      while (e > b && is_liquid_space(text[e - 1])) --e;
    if (e > b) {
      TemplatePiece piece;
      piece.kind = TemplatePiece::Kind::kText;
      piece.text = std::string(text.substr(b, e - b));
      piece.begin = b;
      piece.end = e;
      tpl.pieces.push_back(std::move(piece));
    }
  };

  while (scan < n) {
    const std::size_t open = text.find('{', scan);
    if (open == std::string_view::npos || open + 1 >= n) break;
    const char kind = text[open + 1];
    if (kind != '{' && kind != '%') {
      scan = open + 1;
      continue;
    }
    if (kind == '%') {
      problems.push_back(Problem{
          std::string(field), "unsupported_tag",
          "The tag at " + describe_position(text, open) +
              " is a Liquid {% %} tag; only {{ }} placeholders are supported (no if, for or "
              "assign).",
          Severity::kError});
      const std::size_t close = text.find("%}", open + 2);
      if (close == std::string_view::npos) break;
      scan = close + 2;
      continue;
    }
    // Find the closing braces, skipping quoted text as liquidjs does.
    std::size_t j = open + 2, close = std::string_view::npos;
    while (j < n) {
      const char c = text[j];
      if (c == '"' || c == '\'') {
        const std::size_t q = text.find(c, j + 1);
        if (q == std::string_view::npos) break;
        j = q + 1;
        continue;
      }
      if (c == '}' && j + 1 < n && text[j + 1] == '}') {
        close = j;
        break;
      }
      ++j;
    }
    if (close == std::string_view::npos) {
      problems.push_back(Problem{std::string(field), "unclosed_tag",
                                 "The placeholder that starts at " + describe_position(text, open) +
                                     " is never closed: add }} after the variable.",
                                 Severity::kError});
      break;
    }
    VariableRef var;
    var.begin = open;
    var.end = close + 2;
    std::size_t inner_begin = open + 2, inner_end = close;
    if (inner_begin < inner_end && text[inner_begin] == '-') {
      var.strip_before = true;
      ++inner_begin;
    }
    if (inner_end > inner_begin && text[inner_end - 1] == '-') {
      var.strip_after = true;
      --inner_end;
    }
    TagParser parser(text, inner_begin, inner_end, field, problems);
    if (parser.parse(var)) {
      var.name = canonical_name(var.path);
      flush_literal(open, var.strip_before);
      strip_next = var.strip_after;
      TemplatePiece piece;
      piece.kind = TemplatePiece::Kind::kVariable;
      piece.begin = var.begin;
      piece.end = var.end;
      piece.variable = std::move(var);
      tpl.pieces.push_back(std::move(piece));
      literal_begin = close + 2;
    }
    scan = close + 2;
  }
  flush_literal(n, false);
  return tpl;
}

}  // namespace hookcast
