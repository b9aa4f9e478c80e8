// Rendering: the shared fixture tables (tests/fixtures/render.json and
// templates.json, also read by the JS suites) and the promise that no value,
// however hostile, changes the request's shape.
#include "render.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "api.hpp"
#include "body.hpp"
#include "fixtures.hpp"
#include "url.hpp"
#include "webhook.hpp"

using hookcast::test::load_fixture;
using nlohmann::json;

namespace {

std::string context_text(const json& c) {
  if (c.contains("context_json")) return c["context_json"].get<std::string>();
  return c["context"].dump();
}

std::vector<std::string> codes(const json& problems, const char* severity) {
  std::vector<std::string> out;
  for (const json& p : problems)
    if (p["severity"] == severity) out.push_back(p["code"].get<std::string>());
  return out;
}

std::uint32_t handle_of(const std::string& compiled) {
  const json r = json::parse(compiled);
  EXPECT_TRUE(r["ok"].get<bool>()) << compiled;
  return r.value("handle", 0u);
}

void check_case(const json& c) {
  SCOPED_TRACE(c["name"].get<std::string>());
  const std::string spec = c["spec"].dump();
  const std::string ctx = context_text(c);
  const std::string out = hookcast::api::render(spec, ctx, "");
  const json r = json::parse(out);
  const json& expect = c["expect"];
  ASSERT_EQ(r["ok"], expect["ok"]) << out;
  if (expect["ok"].get<bool>()) {
    EXPECT_EQ(r["request"], expect["request"]) << out;
    if (expect.contains("warnings")) {
      std::vector<std::string> want = expect["warnings"].get<std::vector<std::string>>();
      EXPECT_EQ(codes(r["warnings"], "warning"), want) << out;
    }
    if (r["request"]["body"].is_string()) {
      const std::string body = r["request"]["body"].get<std::string>();
      EXPECT_FALSE(json::parse(body, nullptr, false).is_discarded()) << body;
    }
    // The compiled path gives byte-identical results, alone and in a batch.
    const std::uint32_t h = handle_of(hookcast::api::compile(spec, ""));
    EXPECT_EQ(hookcast::api::render_compiled(h, ctx), out);
    EXPECT_EQ(hookcast::api::render_batch(h, "[" + ctx + "," + ctx + "]"),
              "[" + out + "," + out + "]");
    hookcast::api::release(h);
  } else {
    std::vector<std::string> want = expect["problems"].get<std::vector<std::string>>();
    EXPECT_EQ(codes(r["problems"], "error"), want) << out;
  }
}

TEST(RenderFixtures, RenderJson) {
  const json cases = load_fixture("render.json");
  ASSERT_GT(cases.size(), 20u);
  for (const json& c : cases) check_case(c);
}

TEST(RenderFixtures, TemplatesJson) {
  const json cases = load_fixture("templates.json");
  ASSERT_GT(cases.size(), 15u);
  for (const json& c : cases) check_case(c);
}

// A webhook with a placeholder in every position a value can reach.
hookcast::WebhookSpec everywhere_spec() {
  hookcast::WebhookSpec spec;
  spec.url = "https://api.example.com/a/{{ user.v }}/b?q={{ user.v }}&z=1";
  spec.method = "POST";
  spec.params = {{"p", "{{ user.v }}"}, {"{{ user.v }}", "k"}};
  spec.headers = {{"X-One", "pre {{ user.v }} post"}, {"X-Two", "fixed"}};
  spec.body =
      "{\"s\": \"{{ user.v }}\", \"w\": {{ user.v }}, \"{{ user.v }}\": [\"x{{ user.v }}y\"], "
      "\"n\": {{ user.v | default: 1 }}}";
  return spec;
}

const char* const kHostile[] = {
    "&x=1",
    "/../admin",
    "#frag",
    "?a=b",
    "\",\"admin\":true,\"x\":\"",
    "</script><script>alert(1)</script>",
    "}}{{ user.v }}",
    "\\",
    "\\\"",
    "\\u0000",
    "%2F%26",
    "a b\tc",
    "\xF0\x9F\x98\x80 emoji",
    "]}",
    "null, \"extra\": 1",
};

// The shape every render of everywhere_spec() must keep.
void expect_same_shape(const hookcast::HttpRequest& req) {
  const std::string& url = req.url;
  ASSERT_EQ(url.find('#'), std::string::npos) << url;
  const std::size_t q = url.find('?');
  ASSERT_NE(q, std::string::npos);
  const std::string path = url.substr(0, q), query = url.substr(q + 1);
  EXPECT_EQ(std::count(path.begin(), path.end(), '/'), 5) << url;  // https:// + /a/ + /b
  EXPECT_EQ(std::count(query.begin(), query.end(), '&'), 3) << url;
  EXPECT_EQ(std::count(query.begin(), query.end(), '='), 4) << url;
  EXPECT_EQ(std::count(query.begin(), query.end(), '?'), 0) << url;
  ASSERT_EQ(req.headers.size(), 3u);
  EXPECT_EQ(req.headers[0].first, "Content-Type");
  EXPECT_EQ(req.headers[0].second, "application/json");
  EXPECT_EQ(req.headers[1].first, "X-One");
  EXPECT_EQ(req.headers[2].first, "X-Two");
  EXPECT_EQ(req.headers[2].second, "fixed");
  for (const auto& h : req.headers)
    EXPECT_EQ(h.second.find_first_of(std::string("\r\n\0", 3)), std::string::npos);
  ASSERT_TRUE(req.body.has_value());
  const json body = json::parse(*req.body, nullptr, false);
  ASSERT_FALSE(body.is_discarded()) << *req.body;
  ASSERT_TRUE(body.is_object());
  EXPECT_EQ(body.size(), 4u) << *req.body;
  EXPECT_TRUE(body.contains("s"));
  EXPECT_TRUE(body.contains("w"));
  EXPECT_TRUE(body.contains("n"));
}

TEST(RenderHostile, ValuesNeverChangeTheShape) {
  hookcast::CompiledWebhook wh;
  const hookcast::Problems problems =
      hookcast::compile_webhook(everywhere_spec(), hookcast::Options{}, &wh);
  ASSERT_FALSE(hookcast::has_error(problems));
  for (const char* value : kHostile) {
    SCOPED_TRACE(value);
    const std::string ctx = json{{"user", {{"id", "u"}, {"properties", {{"v", value}}}}}}.dump();
    const hookcast::RenderResult r = hookcast::render(wh, ctx);
    ASSERT_TRUE(r.ok);
    expect_same_shape(r.request);
    const json body = json::parse(*r.request.body);
    EXPECT_EQ(body["s"], value);
    EXPECT_EQ(body["w"], value);
  }
}

TEST(RenderHostile, NonStringValuesKeepTheShape) {
  hookcast::CompiledWebhook wh;
  ASSERT_FALSE(
      hookcast::has_error(hookcast::compile_webhook(everywhere_spec(), hookcast::Options{}, &wh)));
  const char* values[] = {"1e300",
                          "-0",
                          "true",
                          "false",
                          "null",
                          "[]",
                          "{}",
                          "[1,[2,[3]],{\"a\":\"\\\"}\"}]",
                          "{\"k\":\"a&b/c#d\"}",
                          "\"\\ud800\"",
                          "\"\\udc00\\ud800x\""};
  for (const char* value : values) {
    SCOPED_TRACE(value);
    const std::string ctx = std::string("{\"user\":{\"properties\":{\"v\":") + value + "}}}";
    const hookcast::RenderResult r = hookcast::render(wh, ctx);
    ASSERT_TRUE(r.ok);
    expect_same_shape(r.request);
  }
}

TEST(RenderHostile, LineBreaksInHeaderValuesRefuseOnlyThatUser) {
  hookcast::CompiledWebhook wh;
  ASSERT_FALSE(
      hookcast::has_error(hookcast::compile_webhook(everywhere_spec(), hookcast::Options{}, &wh)));
  for (const char* value : {"\r\nX-Evil: 1", "a\nb", "a\rb", "\\u0000"}) {
    const std::string ctx = value == std::string("\\u0000")
                                ? std::string("{\"user\":{\"properties\":{\"v\":\"a\\u0000b\"}}}")
                                : json{{"user", {{"properties", {{"v", value}}}}}}.dump();
    const hookcast::RenderResult r = hookcast::render(wh, ctx);
    ASSERT_FALSE(r.ok) << value;
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].code, "header_injection");
    EXPECT_EQ(r.problems[0].field, "headers[0].value");
  }
  EXPECT_TRUE(hookcast::render(wh, R"({"user":{"properties":{"v":"fine"}}})").ok);
}

TEST(RenderHostile, OneMegabyteValuesHitTheLimitsNotTheShape) {
  hookcast::WebhookSpec spec;
  spec.url = "https://api.example.com/x";
  spec.method = "POST";
  spec.body = "{\"a\": \"{{ user.big }}\"}";
  hookcast::CompiledWebhook wh;
  ASSERT_FALSE(hookcast::has_error(hookcast::compile_webhook(spec, hookcast::Options{}, &wh)));
  const std::string big(1 << 20, 'a');
  const std::string ctx = "{\"user\":{\"properties\":{\"big\":\"" + big + "\"}}}";
  hookcast::RenderResult r = hookcast::render(wh, ctx);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.problems[0].code, "body_too_large");

  spec.body.reset();
  spec.url = "https://api.example.com/{{ user.big }}";
  ASSERT_FALSE(hookcast::has_error(hookcast::compile_webhook(spec, hookcast::Options{}, &wh)));
  r = hookcast::render(wh, ctx);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.problems[0].code, "url_too_long");

  spec.url = "https://api.example.com/";
  spec.headers = {{"X-Big", "{{ user.big }}"}};
  ASSERT_FALSE(hookcast::has_error(hookcast::compile_webhook(spec, hookcast::Options{}, &wh)));
  r = hookcast::render(wh, ctx);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.problems[0].code, "header_value_too_long");
}

// Regression (issue 15, case 2): 200 placeholders repeating one large
// value built the whole message before refusing it. A render now stops at
// its limit: the buffer holds at most the limit plus one value.
TEST(RenderHostile, RepeatedLargeValuesStopAtTheLimit) {
  std::string repeated;
  for (std::size_t i = 0; i < hookcast::kMaxPlaceholders; ++i) repeated += "{{ user.big }}";
  hookcast::WebhookSpec spec;
  spec.url = "https://api.example.com/";
  spec.method = "POST";
  spec.body = "{\"a\": \"" + repeated + "\"}";
  hookcast::CompiledWebhook wh;
  ASSERT_FALSE(hookcast::has_error(hookcast::compile_webhook(spec, hookcast::Options{}, &wh)));
  const std::string big(100000, 'a');
  const std::string ctx = "{\"user\":{\"properties\":{\"big\":\"" + big + "\"}}}";
  hookcast::RenderScratch scratch;
  hookcast::RenderedRequest out;
  hookcast::render_json(wh, ctx, scratch, out);
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.problems[0].code, "body_too_large");
  EXPECT_LE(out.body.size(), hookcast::kMaxBodyBytes + big.size() + 16);

  spec.body.reset();
  spec.headers = {{"X-Big", repeated}};
  ASSERT_FALSE(hookcast::has_error(hookcast::compile_webhook(spec, hookcast::Options{}, &wh)));
  hookcast::render_json(wh, ctx, scratch, out);
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.problems[0].code, "header_value_too_long");
  EXPECT_LE(out.header_values[0].size(), hookcast::kMaxHeaderValueBytes + big.size());

  // Spaces are trimmed from a header's ends: 200 x 100,000 trailing spaces
  // after "x" still render "x", from a buffer that never held them all.
  spec.headers = {{"X-Big", "x" + repeated}};
  ASSERT_FALSE(hookcast::has_error(hookcast::compile_webhook(spec, hookcast::Options{}, &wh)));
  const std::string spaces =
      "{\"user\":{\"properties\":{\"big\":\"" + std::string(100000, ' ') + "\"}}}";
  hookcast::render_json(wh, spaces, scratch, out);
  ASSERT_TRUE(out.ok);
  EXPECT_EQ(std::string(out.header_values[0].view()), "x");
  // Leading spaces too, with text after them.
  spec.headers = {{"X-Big", repeated + "y"}};
  ASSERT_FALSE(hookcast::has_error(hookcast::compile_webhook(spec, hookcast::Options{}, &wh)));
  hookcast::render_json(wh, spaces, scratch, out);
  ASSERT_TRUE(out.ok);
  EXPECT_EQ(std::string(out.header_values[0].view()), "y");
}

TEST(RenderBehaviour, MissingValueWarningNamesTheFieldAndVariable) {
  hookcast::WebhookSpec spec;
  spec.url = "https://api.example.com/";
  spec.method = "POST";
  spec.headers = {{"X-A", "{{ user.nick }}"}};
  hookcast::CompiledWebhook wh;
  ASSERT_FALSE(hookcast::has_error(hookcast::compile_webhook(spec, hookcast::Options{}, &wh)));
  const hookcast::RenderResult r = hookcast::render(wh, "{}");
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].code, "missing_value");
  EXPECT_EQ(r.problems[0].field, "headers[0].value");
  EXPECT_NE(r.problems[0].message.find("user.nick"), std::string::npos);
  EXPECT_EQ(r.problems[0].severity, hookcast::Severity::kWarning);
}

TEST(RenderBehaviour, ScratchReuseDoesNotLeakBetweenUsers) {
  hookcast::WebhookSpec spec = everywhere_spec();
  hookcast::CompiledWebhook wh;
  ASSERT_FALSE(hookcast::has_error(hookcast::compile_webhook(spec, hookcast::Options{}, &wh)));
  hookcast::RenderScratch scratch;
  hookcast::RenderedRequest out;
  hookcast::render_json(wh, R"({"user":{"properties":{"v":"a-very-long-first-value"}}})", scratch,
                        out);
  ASSERT_TRUE(out.ok);
  hookcast::render_json(wh, R"({"user":{"properties":{"v":"b"}}})", scratch, out);
  ASSERT_TRUE(out.ok);
  const hookcast::HttpRequest req = hookcast::to_http_request(wh, out);
  EXPECT_EQ(req.headers[1].second, "pre b post");
  EXPECT_EQ(req.url.find("a-very"), std::string::npos);
  EXPECT_EQ(req.body->find("a-very"), std::string::npos);
}

}  // namespace

namespace {

// Regression: with /users/{{ user.v }}/events, v = ".." rendered
// /users/../events and the receiver got POST /events (fetch resolves dot
// segments, in every spelling, while the cURL preview kept them).
TEST(RenderHostile, PathTraversalThroughPersonalizationIsRefused) {
  hookcast::WebhookSpec spec;
  spec.url = "https://api.example.com/users/{{ user.v }}/events";
  spec.method = "POST";
  hookcast::CompiledWebhook wh;
  ASSERT_FALSE(hookcast::has_error(hookcast::compile_webhook(spec, hookcast::Options{}, &wh)));
  for (const char* value : {"..", "."}) {
    const hookcast::RenderResult r =
        hookcast::render(wh, json{{"user", {{"properties", {{"v", value}}}}}}.dump());
    ASSERT_FALSE(r.ok) << value;
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].code, "path_traversal");
    EXPECT_EQ(r.problems[0].field, "url");
  }
  // Literal text around the placeholder counts: "%2E" + "." is "..".
  spec.url = "https://api.example.com/users/%2E{{ user.v }}/events";
  ASSERT_FALSE(hookcast::has_error(hookcast::compile_webhook(spec, hookcast::Options{}, &wh)));
  EXPECT_EQ(hookcast::render(wh, R"({"user":{"properties":{"v":"."}}})").problems.at(0).code,
            "path_traversal");
  EXPECT_TRUE(hookcast::render(wh, R"({"user":{"properties":{"v":"x"}}})").ok);
}

TEST(UrlDotSegments, EverySpellingWhatwgResolves) {
  for (const char* s : {".", "..", "%2e", "%2E", ".%2e", "%2e.", "%2E%2e", "%2e%2E"})
    EXPECT_TRUE(hookcast::is_dot_segment(s)) << s;
  for (const char* s : {"", "...", "%2e%2e%2e", "%2", "%2f", ".a", "a.", "%252e", "%2e%2", ". "})
    EXPECT_FALSE(hookcast::is_dot_segment(s)) << s;
}

}  // namespace
