// The JSON body with placeholders: where each one stands, and exact errors.
#include "body.hpp"

#include <gtest/gtest.h>

using hookcast::analyze_body;
using hookcast::BodySlot;
using hookcast::Problems;

namespace {

std::vector<BodySlot> slots_of(const std::string& body) {
  Problems problems;
  const hookcast::BodyAnalysis a = analyze_body(body, problems);
  EXPECT_TRUE(a.ok) << body << ": " << (problems.empty() ? "" : problems[0].message);
  return a.slots;
}

hookcast::Problem error_of(const std::string& body) {
  Problems problems;
  const hookcast::BodyAnalysis a = analyze_body(body, problems);
  EXPECT_FALSE(a.ok) << body;
  EXPECT_EQ(problems.size(), 1u) << body;
  return problems.empty() ? hookcast::Problem{} : problems[0];
}

TEST(Body, ClassifiesStringAndWholeValuePlaceholders) {
  const auto s = slots_of(
      R"({"a": "Hi {{ user.name }}", "b": {{ user.age }}, "{{ event.k }}": [{{ user.x }}, "{{ user.y }}"]})");
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0], BodySlot::kInString);
  EXPECT_EQ(s[1], BodySlot::kWholeValue);
  EXPECT_EQ(s[2], BodySlot::kInString);
  EXPECT_EQ(s[3], BodySlot::kWholeValue);
  EXPECT_EQ(s[4], BodySlot::kInString);
}

TEST(Body, QuotesInsideTheTagDoNotConfuseTheStringTracking) {
  const auto s = slots_of(R"({"n": "{{ user.name | default: "there" }}", "m": {{ user.m }}})");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0], BodySlot::kInString);
  EXPECT_EQ(s[1], BodySlot::kWholeValue);
}

TEST(Body, EscapedQuotesBeforeAPlaceholder) {
  const auto s = slots_of(R"({"a": "x\" {{ user.v }} \\", "b": {{ user.w }}})");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0], BodySlot::kInString);
  EXPECT_EQ(s[1], BodySlot::kWholeValue);
}

TEST(Body, TheWholeBodyMayBeOnePlaceholder) {
  const auto s = slots_of("{{ user.payload }}");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0], BodySlot::kWholeValue);
}

TEST(Body, PlaceholdersInOtherSpotsAreInvalidJson) {
  for (const char* body :
       {R"({"a": 1{{ user.a }}})", R"({"a": {{ user.a }}{{ user.b }}})", R"({ {{ user.k }}: 1 })",
        R"([{{ user.a }} {{ user.b }}])", R"({"a": tr{{ user.a }}})"}) {
    const hookcast::Problem p = error_of(body);
    EXPECT_EQ(p.code, "invalid_json") << body;
    EXPECT_EQ(p.field, "body");
  }
}

TEST(Body, MisplacedPlaceholderMessageNamesThePlaceholder) {
  const hookcast::Problem p = error_of("{\"a\": 1,\n \"b\": 2{{ user.a }}}");
  EXPECT_NE(p.message.find("placeholder at line 2, column 8"), std::string::npos) << p.message;
}

TEST(Body, InvalidJsonAroundPlaceholdersHasExactPositions) {
  const hookcast::Problem p = error_of("{\n  \"é\": \"{{ user.a }}\"\n  \"b\": 1\n}");
  EXPECT_EQ(p.code, "invalid_json");
  EXPECT_NE(p.message.find("line 3, column 5"), std::string::npos) << p.message;
}

TEST(Body, TrailingCommaAndUnclosedObject) {
  EXPECT_EQ(error_of(R"({"a": 1,})").code, "invalid_json");
  EXPECT_EQ(error_of(R"({"a": "{{ user.a }}")").code, "invalid_json");
  EXPECT_EQ(error_of("{\"a\": \"line\nbreak\"}").code, "invalid_json");
}

TEST(Body, WhitespaceControlInsideAStringIsChecked) {
  // The newline is stripped by {{-, so the string is valid once rendered.
  const auto s = slots_of("{\"a\": \"x\n {{- user.v }}\"}");
  ASSERT_EQ(s.size(), 1u);
}

TEST(Body, InvalidUtf8IsReportedWithItsPosition) {
  const hookcast::Problem p = error_of("{\"a\": \"\xFF\"}");
  EXPECT_EQ(p.code, "invalid_utf8");
  EXPECT_NE(p.message.find("column 8"), std::string::npos) << p.message;
}

TEST(Body, NulBytesAreRefusedEvenAfterTheValue) {
  // Regression: nlohmann stops at a NUL, so "{}\0junk" passed the JSON check.
  const hookcast::Problem p = error_of(std::string("{\"a\": 1}\0junk", 13));
  EXPECT_EQ(p.code, "invalid_json");
  EXPECT_NE(p.message.find("column 9"), std::string::npos) << p.message;
}

TEST(Body, TemplateErrorsComeFirst) {
  EXPECT_EQ(error_of(R"({"a": "{{ user.a | upcase }}"})").code, "unknown_filter");
}

TEST(Body, NumbersThatOverflowAreRefused) {
  EXPECT_EQ(error_of(R"({"a": 1e999})").code, "invalid_json");
}

}  // namespace
