// The JSON-in/JSON-out surface the wasm bindings expose one to one.
#include "api.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fixtures.hpp"
#include "preview.hpp"
#include "request.hpp"

namespace api = hookcast::api;
using hookcast::test::parse;
using nlohmann::json;

namespace {

const char* kSpec =
    R"({"url":"https://api.example.com/u/{{ user.id }}","method":"POST",
        "params":[{"key":"c","value":"{{ user.city | default: \"x\" }}"}],
        "headers":[{"key":"X-Name","value":"{{ user.name }}"}],
        "body":"{\"n\": \"{{ user.name }}\", \"age\": {{ user.age | default: 0 }}}"})";

std::vector<std::string> codes(const json& problems) {
  std::vector<std::string> out;
  for (const json& p : problems) out.push_back(p["code"].get<std::string>());
  return out;
}

bool has_code(const json& problems, const std::string& code) {
  for (const json& p : problems)
    if (p["code"] == code) return true;
  return false;
}

std::uint32_t compile_ok(const char* spec) {
  const json r = parse(api::compile(spec, ""));
  EXPECT_TRUE(r["ok"].get<bool>()) << r.dump();
  return r["handle"].get<std::uint32_t>();
}

TEST(Api, ValidateShape) {
  const json r = parse(api::validate(kSpec, ""));
  EXPECT_TRUE(r["ok"].get<bool>());
  ASSERT_TRUE(r["problems"].is_array());
  for (const json& p : r["problems"]) {
    EXPECT_TRUE(p["field"].is_string());
    EXPECT_TRUE(p["code"].is_string());
    EXPECT_TRUE(p["message"].is_string());
    EXPECT_EQ(p["severity"], "warning");
  }
  EXPECT_EQ(codes(r["problems"]),
            (std::vector<std::string>{"missing_fallback",
                                      "missing_fallback"}));  // user.name twice; user.id needs none
}

TEST(Api, ValidateReportsErrorsAsNotOk) {
  const json r =
      parse(api::validate(R"({"url":"https://x.example.com/","method":"GET","body":"{}"})", ""));
  EXPECT_FALSE(r["ok"].get<bool>());
  EXPECT_EQ(r["problems"][0]["code"], "body_not_allowed");
  EXPECT_EQ(r["problems"][0]["severity"], "error");
}

TEST(Api, MalformedSpecs) {
  EXPECT_EQ(parse(api::validate("{", ""))["problems"][0]["code"], "invalid_spec");
  EXPECT_EQ(parse(api::validate("[]", ""))["problems"][0]["code"], "invalid_spec");
  EXPECT_EQ(parse(api::validate("", ""))["problems"][0]["code"], "invalid_spec");
}

TEST(Api, TypeErrorsNameTheFieldAndAreNotRepeated) {
  const json r = parse(api::validate(
      R"({"url":5,"method":true,"params":{},"headers":[3,{"key":1,"value":"v"}],"body":[]})", ""));
  EXPECT_FALSE(r["ok"].get<bool>());
  std::vector<std::string> fields;
  for (const json& p : r["problems"]) {
    EXPECT_EQ(p["code"], "invalid_type") << p.dump();
    fields.push_back(p["field"].get<std::string>());
  }
  EXPECT_EQ(fields, (std::vector<std::string>{"url", "method", "params", "headers[0]",
                                              "headers[1].key", "body"}));
}

TEST(Api, MissingMethodAndUnknownFields) {
  const json r = parse(api::validate(R"({"url":"https://api.example.com/","title":"x"})", ""));
  EXPECT_FALSE(r["ok"].get<bool>());
  EXPECT_TRUE(has_code(r["problems"], "method_required"));
  EXPECT_TRUE(has_code(r["problems"], "unknown_field"));
  for (const json& p : r["problems"])
    if (p["code"] == "unknown_field") {
      EXPECT_EQ(p["severity"], "warning");
      EXPECT_EQ(p["field"], "title");
    }
}

TEST(Api, Options) {
  const char* local = R"({"url":"http://127.0.0.1:8080/x","method":"POST"})";
  EXPECT_FALSE(parse(api::validate(local, ""))["ok"].get<bool>());
  EXPECT_FALSE(parse(api::validate(local, "{}"))["ok"].get<bool>());
  EXPECT_TRUE(parse(api::validate(local, R"({"allowLocalHttp":true})"))["ok"].get<bool>());
  const json bad = parse(api::validate(local, R"({"allowLocalHttp":"yes"})"));
  EXPECT_TRUE(has_code(bad["problems"], "invalid_type"));
  EXPECT_TRUE(has_code(parse(api::validate(local, "nope"))["problems"], "invalid_type"));
}

TEST(Api, Variables) {
  const json r = parse(api::variables(kSpec));
  ASSERT_TRUE(r.is_array());
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[0],
            (json{{"source", "user"}, {"name", "id"}, {"fallback", nullptr}, {"field", "url"}}));
  EXPECT_EQ(
      r[1],
      (json{
          {"source", "user"}, {"name", "city"}, {"fallback", "x"}, {"field", "params[0].value"}}));
  EXPECT_EQ(r[2]["field"], "headers[0].value");
  EXPECT_EQ(r[4],
            (json{{"source", "user"}, {"name", "age"}, {"fallback", "0"}, {"field", "body"}}));
  // Unparsable fields are skipped, the rest still listed.
  const json partial = parse(api::variables(
      R"({"url":"https://a.example.com/{{ bad","method":"POST","body":"{\"e\": \"{{ event.key }}\"}"})"));
  ASSERT_EQ(partial.size(), 1u);
  EXPECT_EQ(partial[0]["source"], "event");
  EXPECT_EQ(partial[0]["name"], "key");
  EXPECT_EQ(parse(api::variables("not json")), json::array());
}

TEST(Api, RenderShape) {
  const json r =
      parse(api::render(kSpec, R"({"user":{"id":"u1","properties":{"name":"Ann","age":30}}})", ""));
  ASSERT_TRUE(r["ok"].get<bool>()) << r.dump();
  EXPECT_EQ(r["request"]["method"], "POST");
  EXPECT_EQ(r["request"]["url"], "https://api.example.com/u/u1?c=x");
  EXPECT_EQ(r["request"]["headers"], json::array({json::array({"Content-Type", "application/json"}),
                                                  json::array({"X-Name", "Ann"})}));
  EXPECT_EQ(r["request"]["body"], "{\"n\": \"Ann\", \"age\": 30}");
  EXPECT_EQ(r["warnings"], json::array());
}

TEST(Api, RenderOfAnInvalidSpecListsItsProblems) {
  const json r =
      parse(api::render(R"({"url":"https://a.example.com/{{ x.y }}","method":"POST"})", "{}", ""));
  EXPECT_FALSE(r["ok"].get<bool>());
  EXPECT_TRUE(has_code(r["problems"], "unknown_variable"));
}

TEST(Api, HandlesLiveUntilReleased) {
  const std::uint32_t before = api::live_handles();
  const std::uint32_t a = compile_ok(kSpec);
  const std::uint32_t b = compile_ok(kSpec);
  EXPECT_NE(a, b);
  EXPECT_EQ(api::live_handles(), before + 2);
  const std::string ctx = R"({"user":{"id":"u1","properties":{"name":"Ann"}}})";
  EXPECT_EQ(api::render_compiled(a, ctx), api::render(kSpec, ctx, ""));
  api::release(a);
  EXPECT_EQ(api::live_handles(), before + 1);
  api::release(a);  // twice: ignored
  api::release(0);
  api::release(0xFFFFFFFFu);
  EXPECT_EQ(api::live_handles(), before + 1);
  const json stale = parse(api::render_compiled(a, ctx));
  EXPECT_FALSE(stale["ok"].get<bool>());
  EXPECT_EQ(stale["problems"][0]["code"], "invalid_handle");
  // The freed slot is reused under a new number; the old one stays invalid.
  const std::uint32_t c = compile_ok(kSpec);
  EXPECT_NE(c, a);
  EXPECT_EQ(parse(api::render_compiled(a, ctx))["ok"], false);
  EXPECT_EQ(parse(api::render_compiled(c, ctx))["ok"], true);
  api::release(b);
  api::release(c);
  EXPECT_EQ(api::live_handles(), before);
}

TEST(Api, CompileReportsWarningsAndErrors) {
  const json ok = parse(api::compile(kSpec, ""));
  EXPECT_EQ(codes(ok["warnings"]).size(), 2u);  // user.name twice (user.id needs no fallback)
  api::release(ok["handle"].get<std::uint32_t>());
  const json bad = parse(api::compile(R"({"url":"","method":"POST"})", ""));
  EXPECT_FALSE(bad["ok"].get<bool>());
  EXPECT_TRUE(has_code(bad["problems"], "url_required"));
}

TEST(Api, RenderBatch) {
  const std::uint32_t h = compile_ok(kSpec);
  const json r = parse(api::render_batch(
      h, R"([{"user":{"id":"a"}}, 5, {"user":{"id":"b","properties":{"name":"x\ny"}}}, {}])"));
  ASSERT_TRUE(r.is_array());
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0]["request"]["url"], "https://api.example.com/u/a?c=x");
  EXPECT_EQ(r[1]["problems"][0]["code"], "invalid_context");
  EXPECT_EQ(r[2]["problems"][0]["code"], "header_injection");
  EXPECT_EQ(r[3]["ok"], true);
  EXPECT_EQ(parse(api::render_batch(h, "[]")), json::array());
  EXPECT_EQ(parse(api::render_batch(h, "{}"))["problems"][0]["code"], "invalid_type");
  EXPECT_EQ(parse(api::render_batch(h, "[{"))["problems"][0]["code"], "invalid_context");
  api::release(h);
  EXPECT_EQ(parse(api::render_batch(h, "[]"))["problems"][0]["code"], "invalid_handle");
}

TEST(Api, RenderCompiledWithBadContexts) {
  const std::uint32_t h = compile_ok(kSpec);
  const json r = parse(api::render_compiled(h, "{\"user\": \n {]"));
  EXPECT_FALSE(r["ok"].get<bool>());
  EXPECT_EQ(r["problems"][0]["field"], "context");
  EXPECT_NE(r["problems"][0]["message"].get<std::string>().find("line 2"), std::string::npos);
  EXPECT_EQ(parse(api::render_compiled(h, ""))["problems"][0]["code"], "invalid_context");
  api::release(h);
}

TEST(Api, OutputIsValidUtf8JsonWhateverTheInput) {
  const std::uint32_t h = compile_ok(kSpec);
  const json r = parse(api::render_compiled(
      h, R"({"user":{"id":"\ud800","properties":{"name":"\u2028\"\t","age":-0}}})"));
  ASSERT_TRUE(r["ok"].get<bool>()) << r.dump();
  EXPECT_EQ(r["request"]["url"], "https://api.example.com/u/%EF%BF%BD?c=x");
  EXPECT_EQ(r["request"]["headers"][1][1], "\u2028\"");  // the tab is trimmed
  EXPECT_EQ(parse(r["request"]["body"].get<std::string>())["age"], 0);
  api::release(h);
}

TEST(Api, PreviewRequestDecoding) {
  const char* req =
      R"({"method":"POST","url":"https://api.example.com/x","headers":[["A","1"]],"body":"{}"})";
  // The decoded request reaches the views whole: the same text as the
  // views of the request built by hand.
  hookcast::HttpRequest built;
  built.method = "POST";
  built.url = "https://api.example.com/x";
  built.headers = {{"A", "1"}};
  built.body = "{}";
  const json curl = parse(api::to_curl(req));
  EXPECT_TRUE(curl["ok"].get<bool>());
  EXPECT_EQ(curl["curl"], hookcast::to_curl(built));
  EXPECT_NE(hookcast::to_curl(built).find("--header 'A: 1'"), std::string::npos);
  const json table = parse(api::to_table(req));
  EXPECT_TRUE(table["ok"].get<bool>());
  EXPECT_EQ(table["rows"], json::parse(R"([
    {"section":"request","key":"method","value":"POST"},
    {"section":"request","key":"url","value":"https://api.example.com/x"},
    {"section":"headers","key":"A","value":"1"},
    {"section":"body","key":"body","value":"{}"}])"));
  for (const char* bad :
       {"x", "[]", R"({"method":1,"url":"u"})", R"({"method":"GET"})",
        R"({"method":"GET","url":"u","headers":[["a"]]})",
        R"({"method":"GET","url":"u","headers":{}})", R"({"method":"GET","url":"u","body":5})"}) {
    const json r = parse(api::to_curl(bad));
    EXPECT_FALSE(r["ok"].get<bool>()) << bad;
    EXPECT_EQ(r["problems"][0]["code"], "invalid_type") << bad;
    EXPECT_FALSE(parse(api::to_table(bad))["ok"].get<bool>()) << bad;
  }
}

TEST(Api, RetryDecisionDecoding) {
  const json r = parse(api::retry_decision(R"({"status":503})", 1, 0, ""));
  EXPECT_TRUE(r["ok"].get<bool>());
  EXPECT_TRUE(r["retry"].is_boolean());
  EXPECT_TRUE(r["delayMs"].is_number_integer());
  EXPECT_TRUE(r["reason"].is_string());
  EXPECT_TRUE(parse(api::retry_decision(R"({"error":"timeout"})", 1, 0, "{}"))["ok"].get<bool>());
  EXPECT_TRUE(parse(api::retry_decision(R"({"status":429,"retryAfter":"3"})", 1, 0,
                                        R"({"jitter":true,"seed":7})"))["ok"]
                  .get<bool>());
  for (const char* bad : {"x", "{}", R"({"status":"503"})", R"({"status":1.5})",
                          R"({"error":"boom"})", R"({"status":503,"retryAfter":3})"}) {
    const json b = parse(api::retry_decision(bad, 1, 0, ""));
    EXPECT_FALSE(b["ok"].get<bool>()) << bad;
    EXPECT_EQ(b["problems"][0]["code"], "invalid_type") << bad;
  }
  for (const char* bad : {"x", R"({"jitter":1})", R"({"seed":-1})", R"({"seed":1.5})"}) {
    EXPECT_FALSE(parse(api::retry_decision(R"({"status":503})", 1, 0, bad))["ok"].get<bool>())
        << bad;
  }
  EXPECT_FALSE(parse(api::retry_decision(R"({"status":503})", 1, 1.0 / 0.0, ""))["ok"].get<bool>());
}

}  // namespace

namespace {

TEST(Api, ViewVariantsGiveTheExpectedResult) {
  const std::uint32_t h = compile_ok(kSpec);
  const std::string ctx = R"({"user":{"id":"v","properties":{"name":"N"}}})";
  // Written out by hand: render_compiled is a copy of render_compiled_view,
  // so comparing the two would compare a function with itself.
  const json expected = json::parse(R"({"ok":true,"request":{"method":"POST",
    "url":"https://api.example.com/u/v?c=x",
    "headers":[["Content-Type","application/json"],["X-Name","N"]],
    "body":"{\"n\": \"N\", \"age\": 0}"},"warnings":[]})");
  EXPECT_EQ(parse(std::string(api::render_compiled_view(h, ctx))), expected);
  EXPECT_EQ(parse(std::string(api::render_batch_view(h, "[" + ctx + "," + ctx + "]"))),
            json::array({expected, expected}));
  EXPECT_EQ(parse(std::string(api::render_batch_view(h, "5")))["problems"][0]["code"],
            "invalid_type");
  api::release(h);
  EXPECT_EQ(parse(std::string(api::render_compiled_view(h, ctx)))["problems"][0]["code"],
            "invalid_handle");
}

}  // namespace
