// The Liquid subset: what parses, what each mistake is called, and where.
#include "template.hpp"

#include <gtest/gtest.h>

using hookcast::parse_template;
using hookcast::PathSegment;
using hookcast::Problems;
using hookcast::Template;
using hookcast::TemplatePiece;
using hookcast::VariableSource;

namespace {

Template parse_ok(const std::string& text) {
  Problems problems;
  Template t = parse_template(text, "body", problems);
  EXPECT_TRUE(problems.empty()) << text << ": " << (problems.empty() ? "" : problems[0].message);
  return t;
}

hookcast::Problem parse_error(const std::string& text, const char* field = "body") {
  Problems problems;
  parse_template(text, field, problems);
  EXPECT_FALSE(problems.empty()) << text;
  return problems.empty() ? hookcast::Problem{} : problems[0];
}

TEST(Template, PlainTextIsOneStaticPiece) {
  const Template t = parse_ok("hello } { }} world");
  ASSERT_EQ(t.pieces.size(), 1u);
  EXPECT_TRUE(t.is_static());
  EXPECT_EQ(t.pieces[0].text, "hello } { }} world");
}

TEST(Template, EmptyTextHasNoPieces) { EXPECT_TRUE(parse_ok("").pieces.empty()); }

TEST(Template, VariableWithStringFallback) {
  const Template t = parse_ok("Hi {{ user.account_name | default: \"John Doe\" }}!");
  ASSERT_EQ(t.pieces.size(), 3u);
  EXPECT_EQ(t.pieces[0].text, "Hi ");
  const auto& v = t.pieces[1].variable;
  EXPECT_EQ(v.source, VariableSource::kUser);
  ASSERT_EQ(v.path.size(), 1u);
  EXPECT_EQ(v.path[0].key, "account_name");
  ASSERT_TRUE(v.fallback.has_value());
  EXPECT_EQ(v.fallback->kind, hookcast::Fallback::Kind::kString);
  EXPECT_EQ(v.fallback->text, "John Doe");
  EXPECT_EQ(v.begin, 3u);
  EXPECT_EQ(v.end, 48u);
  EXPECT_EQ(t.pieces[2].text, "!");
}

TEST(Template, NumberFallbacks) {
  for (const char* n : {"42", "-1.5", "0", "0.25"}) {
    const Template t = parse_ok(std::string("{{ event.n | default: ") + n + " }}");
    ASSERT_TRUE(t.pieces[0].variable.fallback.has_value());
    EXPECT_EQ(t.pieces[0].variable.fallback->kind, hookcast::Fallback::Kind::kNumber);
    EXPECT_EQ(t.pieces[0].variable.fallback->text, n);
  }
  for (const char* bad : {"007", "1.", ".5", "1e5", "-", "+1", "1x"}) {
    EXPECT_EQ(parse_error(std::string("{{ event.n | default: ") + bad + " }}").code,
              "invalid_filter_argument")
        << bad;
  }
}

TEST(Template, SingleQuotedFallbackHoldsDoubleQuotes) {
  const Template t = parse_ok("{{ user.x | default: 'say \"hi\"' }}");
  EXPECT_EQ(t.pieces[0].variable.fallback->text, "say \"hi\"");
}

TEST(Template, QuotedBracesDoNotCloseTheTag) {
  const Template t = parse_ok("{{ user.x | default: \"}}\" }}tail");
  ASSERT_EQ(t.pieces.size(), 2u);
  EXPECT_EQ(t.pieces[0].variable.fallback->text, "}}");
  EXPECT_EQ(t.pieces[1].text, "tail");
}

TEST(Template, BuiltinsAndNestedPaths) {
  const Template t = parse_ok("{{ user.id }}{{ event.key }}{{ user.address.city }}");
  const auto vars = t.variables();
  ASSERT_EQ(vars.size(), 3u);
  EXPECT_TRUE(vars[0]->is_builtin());
  EXPECT_TRUE(vars[1]->is_builtin());
  EXPECT_EQ(vars[1]->source, VariableSource::kEvent);
  EXPECT_FALSE(vars[2]->is_builtin());
  EXPECT_EQ(vars[2]->name, "address.city");
  EXPECT_EQ(hookcast::variable_display(*vars[2]), "user.address.city");
}

TEST(Template, BracketNamesAndIndexes) {
  const Template t =
      parse_ok("{{ user[\"first name\"] }}{{ user['x'] }}{{ user.items[0] }}{{ user.items[-1] }}");
  const auto vars = t.variables();
  ASSERT_EQ(vars.size(), 4u);
  EXPECT_EQ(vars[0]->path[0].key, "first name");
  EXPECT_EQ(vars[0]->name, "[\"first name\"]");
  EXPECT_EQ(vars[1]->name, "x");
  EXPECT_EQ(vars[2]->path[1].kind, PathSegment::Kind::kIndex);
  EXPECT_EQ(vars[2]->path[1].index, 0);
  EXPECT_EQ(vars[2]->name, "items[0]");
  EXPECT_EQ(vars[3]->path[1].index, -1);
}

TEST(Template, WhitespaceControlStripsAdjacentLiteralWhitespace) {
  const Template t = parse_ok("a \n\t {{- user.x -}} \n b");
  ASSERT_EQ(t.pieces.size(), 3u);
  EXPECT_EQ(t.pieces[0].text, "a");
  EXPECT_EQ(t.pieces[0].begin, 0u);
  EXPECT_EQ(t.pieces[0].end, 1u);
  EXPECT_EQ(t.pieces[2].text, "b");
  EXPECT_TRUE(t.pieces[1].variable.strip_before);
  EXPECT_TRUE(t.pieces[1].variable.strip_after);
}

TEST(Template, WhitespaceControlCanEmptyALiteral) {
  const Template t = parse_ok("{{ user.a -}}   {{- user.b }}");
  ASSERT_EQ(t.pieces.size(), 2u);
  EXPECT_EQ(t.pieces[0].kind, TemplatePiece::Kind::kVariable);
  EXPECT_EQ(t.pieces[1].kind, TemplatePiece::Kind::kVariable);
}

TEST(Template, NoSpacesNeeded) {
  const Template t = parse_ok("{{user.x|default:\"d\"}}");
  EXPECT_EQ(t.pieces[0].variable.fallback->text, "d");
}

TEST(Template, ErrorCodes) {
  EXPECT_EQ(parse_error("{{ user.x").code, "unclosed_tag");
  EXPECT_EQ(parse_error("{{ user.x | default: \"oops }}").code, "unclosed_tag");
  EXPECT_EQ(parse_error("{{ customer.x }}").code, "unknown_variable");
  EXPECT_EQ(parse_error("{{ user }}").code, "unknown_variable");
  EXPECT_EQ(parse_error("{{ event }}").code, "unknown_variable");
  EXPECT_EQ(parse_error("{{ user.x | upcase }}").code, "unknown_filter");
  EXPECT_EQ(parse_error("{{ user.x | }}").code, "unknown_filter");
  EXPECT_EQ(parse_error("{{ user.x | default }}").code, "invalid_filter_argument");
  EXPECT_EQ(parse_error("{{ user.x | default: }}").code, "invalid_filter_argument");
  EXPECT_EQ(parse_error("{{ user.x | default: user.y }}").code, "invalid_filter_argument");
  EXPECT_EQ(parse_error("{{ user.x | default: \"a\", \"b\" }}").code, "invalid_filter_argument");
  EXPECT_EQ(parse_error("{{ user.x | default: \"a\" | default: \"b\" }}").code, "too_many_filters");
  EXPECT_EQ(parse_error("{{ }}").code, "empty_tag");
  EXPECT_EQ(parse_error("{{}}").code, "empty_tag");
  EXPECT_EQ(parse_error("{{- -}}").code, "empty_tag");
  EXPECT_EQ(parse_error("{% if user.x %}").code, "unsupported_tag");
  EXPECT_EQ(parse_error("{{ user. }}").code, "invalid_variable");
  EXPECT_EQ(parse_error("{{ user..x }}").code, "invalid_variable");
  EXPECT_EQ(parse_error("{{ user.x y }}").code, "invalid_variable");
  EXPECT_EQ(parse_error("{{ user[x] }}").code, "invalid_variable");
  EXPECT_EQ(parse_error("{{ user[\"x] }}").code, "unclosed_tag");
  EXPECT_EQ(parse_error("{{ user[0 }}").code, "invalid_variable");
  EXPECT_EQ(parse_error("{{ \"text\" }}").code, "invalid_variable");
  EXPECT_EQ(parse_error("{{ 5 }}").code, "invalid_variable");
}

TEST(Template, UnsupportedTagMessageExplains) {
  const hookcast::Problem p = parse_error("{% for x in y %}");
  EXPECT_NE(p.message.find("only {{ }}"), std::string::npos) << p.message;
  EXPECT_EQ(p.field, "body");
  EXPECT_EQ(p.severity, hookcast::Severity::kError);
}

TEST(Template, PositionsAreColumnsOnOneLine) {
  const hookcast::Problem p = parse_error("abc {{ customer.x }}", "url");
  EXPECT_EQ(p.field, "url");
  EXPECT_NE(p.message.find("column 8"), std::string::npos) << p.message;
  EXPECT_EQ(p.message.find("line"), std::string::npos) << p.message;
}

TEST(Template, PositionsAreLinesAndCodePointColumnsOnManyLines) {
  // "é" and "😀" are one column each although they take 2 and 4 bytes.
  const hookcast::Problem p = parse_error("{\n  \"é😀\": {{ user.x | upcase }}\n}");
  EXPECT_NE(p.message.find("line 2, column 21"), std::string::npos) << p.message;
}

TEST(Template, UnclosedTagPointsAtItsStart) {
  const hookcast::Problem p = parse_error("ab\ncd {{ user.x");
  EXPECT_NE(p.message.find("line 2, column 4"), std::string::npos) << p.message;
}

TEST(Template, EveryBadTagIsReportedAndGoodOnesSurvive) {
  Problems problems;
  const Template t =
      parse_template("{{ a.b }} {{ user.ok }} {{ user | x }} {% if %}", "body", problems);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].code, "unknown_variable");
  EXPECT_EQ(problems[1].code, "unknown_variable");
  EXPECT_EQ(problems[2].code, "unsupported_tag");
  ASSERT_EQ(t.variables().size(), 1u);
  EXPECT_EQ(t.variables()[0]->name, "ok");
}

TEST(Template, DescribePosition) {
  EXPECT_EQ(hookcast::describe_position("abc", 0), "column 1");
  EXPECT_EQ(hookcast::describe_position("abc", 3), "column 4");
  EXPECT_EQ(hookcast::describe_position("a\nbc", 3), "line 2, column 2");
  EXPECT_EQ(hookcast::describe_position("a\xC3\xA9z", 3), "column 3");
}

}  // namespace
