// The coarse entries of preview_api.hpp (preview, check_destination,
// methods, problem codes) and the retry verdict.
#include "preview_api.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "api.hpp"
#include "fixtures.hpp"
#include "problem_codes.hpp"
#include "retry.hpp"

namespace api = hookcast::api;
using hookcast::test::load_fixture;
using hookcast::test::parse;
using nlohmann::json;

namespace {

std::vector<std::string> codes(const json& problems) {
  std::vector<std::string> out;
  for (const json& p : problems) out.push_back(p["code"].get<std::string>());
  return out;
}

const char* kSpec =
    R"({"url":"https://api.example.com/u/{{ user.id }}","method":"POST",
        "headers":[{"key":"X-Name","value":"{{ user.name }}"}],
        "body":"{\"n\": \"{{ user.name | default: \"there\" }}\"}"})";

TEST(Preview, KeepsCompileWarningsBesideTheRendersAndShowsEveryView) {
  const json r = parse(api::preview(kSpec, R"({"user":{"id":"42"}})", ""));
  ASSERT_TRUE(r["ok"].get<bool>()) << r;
  // Compile-time warnings (no fallback) first, then this user's (no value).
  EXPECT_EQ(codes(r["problems"]), (std::vector<std::string>{"missing_fallback", "missing_value"}));
  EXPECT_EQ(r["request"]["url"], "https://api.example.com/u/42");
  EXPECT_EQ(r["request"]["headers"],
            json::parse(R"([["Content-Type","application/json"],["X-Name",""]])"));
  EXPECT_EQ(r["request"]["body"], "{\"n\": \"there\"}");
  // The same views toCurl and toTable give for that request.
  const std::string request = r["request"].dump();
  EXPECT_EQ(r["curl"], parse(api::to_curl(request))["curl"]);
  EXPECT_EQ(r["table"], parse(api::to_table(request))["rows"]);
}

TEST(Preview, AnInvalidSpecGivesValidatesProblemsAndNoViews) {
  const std::string spec = R"({"url":"http://api.example.com/","method":"GET","body":"{}"})";
  const json r = parse(api::preview(spec, "{}", ""));
  EXPECT_FALSE(r["ok"].get<bool>());
  EXPECT_EQ(r["problems"], parse(api::validate(spec, ""))["problems"]);
  EXPECT_TRUE(r["request"].is_null());
  EXPECT_TRUE(r["curl"].is_null());
  EXPECT_TRUE(r["table"].is_null());
}

TEST(Preview, ARefusedRenderKeepsTheSpecWarningsAndAddsTheError) {
  const json r = parse(api::preview(kSpec, R"({"user":{"properties":{"name":"a\r\nb"}}})", ""));
  EXPECT_FALSE(r["ok"].get<bool>());
  EXPECT_EQ(codes(r["problems"]),
            (std::vector<std::string>{"missing_fallback", "header_injection"}));
  EXPECT_TRUE(r["request"].is_null());
}

TEST(Preview, OptionsReachTheDestinationRule) {
  const std::string spec = R"({"url":"http://127.0.0.1:9/x","method":"GET"})";
  EXPECT_FALSE(parse(api::preview(spec, "{}", ""))["ok"].get<bool>());
  EXPECT_TRUE(parse(api::preview(spec, "{}", R"({"allowLocalHttp":true})"))["ok"].get<bool>());
}

TEST(CheckDestination, TheSsrfDecisionAlone) {
  EXPECT_EQ(api::check_destination("https://api.example.com/x?y=1", false),
            R"({"ok":true,"problems":[]})");
  const json priv = parse(api::check_destination("https://10.0.0.1/", true));
  EXPECT_FALSE(priv["ok"].get<bool>());
  EXPECT_EQ(priv["problems"][0]["field"], "url");
  EXPECT_EQ(priv["problems"][0]["code"], "private_address");
  EXPECT_EQ(codes(parse(api::check_destination("http://127.0.0.1:8/", false))["problems"]),
            std::vector<std::string>{"https_required"});
  EXPECT_TRUE(parse(api::check_destination("http://127.0.0.1:8/", true))["ok"].get<bool>());
  EXPECT_FALSE(parse(api::check_destination("http://[2002:7f00:1::]/", true))["ok"].get<bool>());
  EXPECT_EQ(codes(parse(api::check_destination("https://x.example.com/" + std::string(9000, 'a'),
                                               false))["problems"]),
            std::vector<std::string>{"url_too_long"});
  EXPECT_EQ(codes(parse(api::check_destination("", false))["problems"]),
            std::vector<std::string>{"url_required"});
}

TEST(CheckDestination, AgreesWithValidateOnTheUrlFixtures) {
  const json cases = load_fixture("urls.json");
  ASSERT_GT(cases.size(), 50u);
  for (const json& c : cases) {
    const std::string url = c["url"].get<std::string>();
    const bool local = c.value("allowLocalHttp", false);
    const json d = parse(api::check_destination(url, local));
    EXPECT_EQ(d["ok"].get<bool>(), c["ok"].get<bool>()) << url;
    if (c.contains("code")) {
      EXPECT_EQ(d["problems"][0]["code"], c["code"]) << url;
    }
  }
}

TEST(Methods, TheContractsList) {
  EXPECT_EQ(api::methods(), R"(["GET","POST","PUT","PATCH","DELETE"])");
}

TEST(ProblemCodes, OneEntryPerCodeEachWithASentence) {
  const json list = parse(api::problem_codes());
  std::set<std::string> seen;
  for (const json& entry : list) {
    const std::string code = entry["code"].get<std::string>();
    const std::string summary = entry["summary"].get<std::string>();
    EXPECT_TRUE(seen.insert(code).second) << "twice: " << code;
    for (char c : code)
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << code;
    ASSERT_FALSE(summary.empty()) << code;
    EXPECT_EQ(summary.back(), '.') << code;
    EXPECT_TRUE(hookcast::is_problem_code(code));
  }
  EXPECT_FALSE(hookcast::is_problem_code("no_such_code"));
}

// Every code the engine reports over the shared fixtures is registered.
TEST(ProblemCodes, EveryReportedCodeIsRegistered) {
  std::size_t checked = 0;
  auto check = [&](const json& problems) {
    for (const json& p : problems) {
      ++checked;
      EXPECT_TRUE(hookcast::is_problem_code(p["code"].get<std::string>())) << p;
    }
  };
  for (const char* name : {"render.json", "templates.json"}) {
    const json cases = load_fixture(name);
    ASSERT_GT(cases.size(), 10u) << name;
    for (const json& c : cases) {
      const std::string spec = c["spec"].dump();
      const std::string ctx =
          c.contains("context_json") ? c["context_json"].get<std::string>() : c["context"].dump();
      const json p = parse(api::preview(spec, ctx, ""));
      check(p["problems"]);
    }
  }
  for (
      const char* spec :
      {R"({"url":"","method":""})", R"({"url":"ftp://x","method":"get","x":1})",
       R"({"url":"https://a.example.com/{{ user","method":"GET","body":"{}"})",
       R"({"url":7,"method":"POST","headers":[{"key":"Host","value":"a"},{"key":"","value":"b"}],"body":"{"})"})
    check(parse(api::validate(spec, ""))["problems"]);
  EXPECT_GT(checked, 40u);
}

TEST(RetryVerdict, DeliveredRetryOrFailedFromTheDecisionItself) {
  using hookcast::Outcome;
  using hookcast::Verdict;
  auto status = [](int s) {
    Outcome o;
    o.status = s;
    return o;
  };
  EXPECT_EQ(hookcast::retry_decision(status(200), 1, 0).verdict, Verdict::kDelivered);
  EXPECT_EQ(hookcast::retry_decision(status(204), 4, 0).verdict, Verdict::kDelivered);
  EXPECT_EQ(hookcast::retry_decision(status(503), 1, 0).verdict, Verdict::kRetry);
  EXPECT_EQ(hookcast::retry_decision(status(503), 4, 0).verdict, Verdict::kFailed);
  EXPECT_EQ(hookcast::retry_decision(status(404), 1, 0).verdict, Verdict::kFailed);
  EXPECT_EQ(hookcast::retry_decision(status(301), 1, 0).verdict, Verdict::kFailed);
  Outcome timeout;
  timeout.kind = Outcome::Kind::kTimeout;
  EXPECT_EQ(hookcast::retry_decision(timeout, 2, 0).verdict, Verdict::kRetry);
  const json d = parse(api::retry_decision(R"({"status":201})", 1, 0, ""));
  EXPECT_EQ(d["verdict"], "delivered");
  EXPECT_EQ(parse(api::retry_decision(R"({"status":500})", 3, 0, ""))["verdict"], "retry");
  EXPECT_EQ(parse(api::retry_decision(R"({"error":"network"})", 4, 0, ""))["verdict"], "failed");
}

}  // namespace
