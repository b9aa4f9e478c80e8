// Problems name their variable as data (Problem::variable on missing_value
// and missing_fallback), and api::fallback_counts counts, per variable, the
// contexts that leave it empty: what the audience check reports, without
// reading messages or probing the render with sentinel values.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "api.hpp"
#include "fixtures.hpp"

namespace api = hookcast::api;
using hookcast::test::parse;
using nlohmann::json;

namespace {

const char* kSpec =
    R"({"url":"https://api.example.com/u/{{ user.id }}","method":"POST",
        "headers":[{"key":"X-Name","value":"{{ user.name }}"}],
        "body":"{\"city\": \"{{ user.city | default: \"somewhere\" }}\", \"first\": \"{{ user[\"first name\"] }}\", \"k\": {{ event.key }}}"})";

std::uint32_t compile_ok(const char* spec) {
  const json r = parse(api::compile(spec, ""));
  EXPECT_TRUE(r["ok"].get<bool>()) << r.dump();
  return r["handle"].get<std::uint32_t>();
}

}  // namespace

TEST(ProblemVariable, MissingFallbackNamesItsVariable) {
  const json r = parse(api::validate(kSpec, ""));
  int seen = 0;
  for (const json& p : r["problems"]) {
    if (p["code"] != "missing_fallback") {
      EXPECT_FALSE(p.contains("variable")) << p.dump();
      continue;
    }
    ++seen;
    ASSERT_TRUE(p.contains("variable")) << p.dump();
    const json& v = p["variable"];
    EXPECT_NE(p["message"].get<std::string>().find(v["display"].get<std::string>()),
              std::string::npos);
    if (p["field"] == "headers[0].value") {
      EXPECT_EQ(v, json::parse(R"({"source":"user","name":"name","display":"user.name"})"));
    }
  }
  EXPECT_EQ(seen, 3);  // user.name, user["first name"], event.key (user.id needs none)
}

TEST(ProblemVariable, MissingValueNamesItsVariableEvenWhenTheMessageCouldMislead) {
  const std::uint32_t handle = compile_ok(kSpec);
  // A property name with spaces: a regex over the message's first word would
  // have cut it.
  const json r = parse(api::render_compiled(
      handle, R"({"user":{"id":"u1","properties":{"name":"Ann"}},"event":{"key":"k"}})"));
  ASSERT_TRUE(r["ok"].get<bool>()) << r.dump();
  ASSERT_EQ(r["warnings"].size(), 1u) << r.dump();
  const json& w = r["warnings"][0];
  EXPECT_EQ(w["code"], "missing_value");
  EXPECT_EQ(w["variable"],
            json::parse(
                R"({"source":"user","name":"[\"first name\"]","display":"user[\"first name\"]"})"));
  api::release(handle);
}

TEST(FallbackCounts, CountsFallbacksAndMissingValuesPerVariable) {
  const std::uint32_t handle = compile_ok(kSpec);
  const char* contexts = R"([
    {"user":{"id":"a","properties":{"name":"A","city":"Paris","first name":"Al"}},"event":{"key":"e"}},
    {"user":{"id":"b","properties":{"name":"B","city":""}},"event":{"key":"e"}},
    {"user":{"id":"c","properties":{"name":null,"city":false,"first name":""}}},
    {"user":"not an object"},
    {"user":{"id":"d","properties":{"name":"D"}}}
  ])";
  const json r = parse(std::string(api::fallback_counts(handle, contexts)));
  ASSERT_TRUE(r["ok"].get<bool>()) << r.dump();
  json by_display = json::object();
  for (const json& v : r["variables"]) by_display[v["variable"]["display"].get<std::string>()] = v;
  // user.id: always there. user.name: null for c only. user.city takes its
  // fallback for b (""), c (false) and d (missing). "first name" has no
  // fallback: "" is a value, so missing for b and d only. event.key: c, d.
  EXPECT_EQ(by_display["user.id"]["count"], 0);
  EXPECT_EQ(by_display["user.name"]["count"], 1);
  EXPECT_EQ(by_display["user.city"]["count"], 3);
  EXPECT_EQ(by_display["user.city"]["fallback"], true);
  EXPECT_EQ(by_display["user[\"first name\"]"]["count"], 2);
  EXPECT_EQ(by_display["user[\"first name\"]"]["fallback"], false);
  EXPECT_EQ(by_display["event.key"]["count"], 2);
  EXPECT_EQ(r["variables"].size(), 5u);
  api::release(handle);
}

TEST(FallbackCounts, BadInputIsAnAnswerNotACrash) {
  const std::uint32_t handle = compile_ok(kSpec);
  EXPECT_EQ(parse(std::string(api::fallback_counts(handle, "{")))["problems"][0]["code"],
            "invalid_context");
  EXPECT_EQ(parse(std::string(api::fallback_counts(handle, "{}")))["problems"][0]["code"],
            "invalid_type");
  api::release(handle);
  EXPECT_EQ(parse(std::string(api::fallback_counts(handle, "[]")))["problems"][0]["code"],
            "invalid_handle");
}
