// The rules of a webhook spec (docs/design.md "The rules").
#include <gtest/gtest.h>

#include <algorithm>

#include "webhook.hpp"

using hookcast::Options;
using hookcast::Problem;
using hookcast::Problems;
using hookcast::Severity;
using hookcast::WebhookSpec;

namespace {

WebhookSpec base() {
  WebhookSpec s;
  s.url = "https://api.example.com/hook";
  s.method = "POST";
  return s;
}

Problems check(const WebhookSpec& s) { return hookcast::validate_webhook(s, Options{}); }

const Problem* find(const Problems& ps, const std::string& code) {
  for (const Problem& p : ps)
    if (p.code == code) return &p;
  return nullptr;
}

::testing::AssertionResult has(const Problems& ps, const std::string& code,
                               const std::string& field, Severity severity = Severity::kError) {
  for (const Problem& p : ps)
    if (p.code == code && p.field == field && p.severity == severity)
      return ::testing::AssertionSuccess();
  std::string all;
  for (const Problem& p : ps) all += p.field + ":" + p.code + " ";
  return ::testing::AssertionFailure() << "no " << code << " at " << field << " in: " << all;
}

TEST(Validate, AMinimalSpecIsClean) { EXPECT_TRUE(check(base()).empty()); }

TEST(Validate, ValidateAndCompileFindTheSameProblems) {
  WebhookSpec s = base();
  s.url = "https://api.example.com/{{ user.a }}#x";
  s.headers = {{"Content-Type", "text/plain"}, {"X-A", "1"}, {"x-a", "2"}};
  hookcast::CompiledWebhook wh;
  const Problems compiled = hookcast::compile_webhook(s, Options{}, &wh);
  const Problems validated = check(s);
  ASSERT_EQ(compiled.size(), validated.size());
  for (std::size_t i = 0; i < compiled.size(); ++i) EXPECT_EQ(compiled[i].code, validated[i].code);
  EXPECT_TRUE(wh.url.empty());  // errors: nothing compiled
}

TEST(Validate, Methods) {
  WebhookSpec s = base();
  for (const char* m : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    s.method = m;
    EXPECT_FALSE(hookcast::has_error(check(s))) << m;
  }
  s.method = "";
  EXPECT_TRUE(has(check(s), "method_required", "method"));
  s.method = "TRACE";
  EXPECT_TRUE(has(check(s), "invalid_method", "method"));
  EXPECT_NE(find(check(s), "invalid_method")->message.find("GET, POST, PUT, PATCH or DELETE"),
            std::string::npos);
  s.method = "post";
  const Problems ps = check(s);
  EXPECT_FALSE(hookcast::has_error(ps));
  EXPECT_TRUE(has(ps, "method_normalized", "method", Severity::kWarning));
  hookcast::CompiledWebhook wh;
  hookcast::compile_webhook(s, Options{}, &wh);
  EXPECT_EQ(wh.method, "POST");
}

TEST(Validate, GetHasNoBody) {
  WebhookSpec s = base();
  s.method = "GET";
  s.body = "{\"a\": 1}";
  EXPECT_TRUE(has(check(s), "body_not_allowed", "body"));
  s.body = "  \n ";
  EXPECT_FALSE(hookcast::has_error(check(s)));
  s.body = "";
  EXPECT_FALSE(hookcast::has_error(check(s)));
}

TEST(Validate, UrlRulesComeFromTheUrlParser) {
  WebhookSpec s = base();
  s.url = "";
  EXPECT_TRUE(has(check(s), "url_required", "url"));
  s.url = "http://api.example.com/";
  EXPECT_TRUE(has(check(s), "https_required", "url"));
}

TEST(Validate, PlaceholdersInTheHostAreRefused) {
  WebhookSpec s = base();
  for (const char* url :
       {"https://{{ user.sub }}.example.com/", "{{ user.url }}",
        "https://api.example.com:{{ user.port }}/", "https://{{ user.u }}@api.example.com/",
        "{{ user.scheme }}://api.example.com/"}) {
    s.url = url;
    const Problems ps = check(s);
    EXPECT_TRUE(has(ps, "variable_in_host", "url")) << url;
  }
  s.url = "https://api.example.com/{{ user.a }}?q={{ user.b }}";
  EXPECT_FALSE(hookcast::has_error(check(s)));
}

TEST(Validate, FragmentIsDroppedWithAWarning) {
  WebhookSpec s = base();
  s.url = "https://api.example.com/a#top";
  EXPECT_TRUE(has(check(s), "fragment_ignored", "url", Severity::kWarning));
}

TEST(Validate, UrlTooLong) {
  WebhookSpec s = base();
  s.url = "https://api.example.com/" + std::string(8200, 'a');
  EXPECT_TRUE(has(check(s), "url_too_long", "url"));
}

TEST(Validate, HeaderNames) {
  WebhookSpec s = base();
  s.headers = {{"", "v"},
               {"Bad Name", "v"},
               {"X-{{ user.a }}", "v"},
               {"content-TYPE", "x"},
               {"Host", "h"},
               {"Transfer-Encoding", "x"},
               {"Proxy-Authorization", "x"},
               {"X-Ok", "1"},
               {"x-ok", "2"},
               {"Te", "x"},
               {":authority", "x"}};
  const Problems ps = check(s);
  EXPECT_TRUE(has(ps, "header_name_required", "headers[0].key"));
  EXPECT_TRUE(has(ps, "invalid_header_name", "headers[1].key"));
  EXPECT_TRUE(has(ps, "variable_in_header_name", "headers[2].key"));
  EXPECT_TRUE(has(ps, "content_type_fixed", "headers[3].key"));
  EXPECT_TRUE(has(ps, "forbidden_header", "headers[4].key"));
  EXPECT_TRUE(has(ps, "forbidden_header", "headers[5].key"));
  EXPECT_TRUE(has(ps, "forbidden_header", "headers[6].key"));
  EXPECT_TRUE(has(ps, "duplicate_header", "headers[8].key", Severity::kWarning));
  EXPECT_TRUE(has(ps, "forbidden_header", "headers[9].key"));
  EXPECT_TRUE(has(ps, "invalid_header_name", "headers[10].key"));
  for (const char* framing : {"Content-Length", "Connection", "Upgrade", "Keep-Alive", "Trailer",
                              "Proxy-Connection", "Expect"}) {
    WebhookSpec t = base();
    t.headers = {{framing, "x"}};
    EXPECT_TRUE(has(check(t), "forbidden_header", "headers[0].key")) << framing;
  }
}

TEST(Validate, HeaderValues) {
  WebhookSpec s = base();
  s.headers = {{"X-A", "a\r\nX-Evil: 1"},
               {"X-B", std::string("a\0b", 3)},
               {"X-C", std::string(9000, 'v')},
               {"X-D", "{{ user.x | upcase }}"},
               {"X-E", "Bearer {{ user.token }}"}};
  const Problems ps = check(s);
  EXPECT_TRUE(has(ps, "header_injection", "headers[0].value"));
  EXPECT_NE(find(ps, "header_injection")->message.find("column 2"), std::string::npos);
  EXPECT_TRUE(has(ps, "header_injection", "headers[1].value"));
  EXPECT_TRUE(has(ps, "header_value_too_long", "headers[2].value"));
  EXPECT_TRUE(has(ps, "unknown_filter", "headers[3].value"));
  EXPECT_TRUE(has(ps, "missing_fallback", "headers[4].value", Severity::kWarning));
}

TEST(Validate, TooManyRows) {
  WebhookSpec s = base();
  s.headers.assign(51, {"X-A", "1"});
  EXPECT_TRUE(has(check(s), "too_many_headers", "headers"));
  s = base();
  s.params.assign(51, {"a", "1"});
  EXPECT_TRUE(has(check(s), "too_many_params", "params"));
}

TEST(Validate, Params) {
  WebhookSpec s = base();
  s.params = {{"", "v"},        {"{{ user.k }}", "{{ user.v | default: \"x\" }}"},
              {"api_key", "1"}, {"Access-Token", "2"},
              {"page", "3"},    {"a", "{{ customer.x }}"}};
  const Problems ps = check(s);
  EXPECT_TRUE(has(ps, "param_key_required", "params[0].key"));
  EXPECT_TRUE(has(ps, "missing_fallback", "params[1].key", Severity::kWarning));
  EXPECT_TRUE(has(ps, "credential_in_query", "params[2].key", Severity::kWarning));
  EXPECT_TRUE(has(ps, "credential_in_query", "params[3].key", Severity::kWarning));
  EXPECT_TRUE(has(ps, "unknown_variable", "params[5].value"));
  for (const Problem& p : ps) EXPECT_NE(p.field, "params[4].key");
}

TEST(Validate, CredentialsInTheUrlQuery) {
  WebhookSpec s = base();
  s.url = "https://api.example.com/x?token=abc&page=2&Signature=x";
  const Problems ps = check(s);
  int count = 0;
  for (const Problem& p : ps) count += p.code == "credential_in_query";
  EXPECT_EQ(count, 2);
}

TEST(Validate, LooksLikeCredential) {
  for (const char* k : {"token", "api_key", "APIKEY", "apiKey", "key", "secret", "password",
                        "access_token", "auth", "signature", "client-secret", "x-api-key"})
    EXPECT_TRUE(hookcast::looks_like_credential(k)) << k;
  for (const char* k : {"page", "monkey", "keyword", "author", "city", "utm_source"})
    EXPECT_FALSE(hookcast::looks_like_credential(k)) << k;
}

TEST(Validate, UserIdNeedsNoFallbackButOtherVariablesDo) {
  // Every user has an id: {{ user.id }} was warned on every step for nothing.
  WebhookSpec s = base();
  s.url = "https://api.example.com/{{ user.id }}/{{ user.id.x }}";
  s.body = "{\"k\": \"{{ event.key }}\"}";
  const Problems ps = check(s);
  int url_count = 0;
  for (const Problem& p : ps) url_count += p.code == "missing_fallback" && p.field == "url";
  EXPECT_EQ(url_count, 1);                                               // user.id.x only
  EXPECT_TRUE(has(ps, "missing_fallback", "body", Severity::kWarning));  // a schedule has no event
}

TEST(Validate, MissingFallbackWarningsNameTheirField) {
  WebhookSpec s = base();
  s.url = "https://api.example.com/{{ user.a }}";
  s.body = "{\"x\": {{ user.b }}, \"y\": \"{{ user.c | default: \"z\" }}\"}";
  const Problems ps = check(s);
  EXPECT_TRUE(has(ps, "missing_fallback", "url", Severity::kWarning));
  EXPECT_TRUE(has(ps, "missing_fallback", "body", Severity::kWarning));
  int count = 0;
  for (const Problem& p : ps) count += p.code == "missing_fallback";
  EXPECT_EQ(count, 2);
}

TEST(Validate, BodyProblems) {
  WebhookSpec s = base();
  s.body = "{\"a\": }";
  EXPECT_TRUE(has(check(s), "invalid_json", "body"));
  s.body = std::string(300 * 1024, ' ') + "{}";
  EXPECT_TRUE(has(check(s), "body_too_large", "body"));
  s.body = "\"\xC3\x28\"";
  EXPECT_TRUE(has(check(s), "invalid_utf8", "body"));
}

TEST(Validate, ProblemsComeInFieldOrder) {
  WebhookSpec s = base();
  s.url = "http://x/";
  s.method = "NOPE";
  s.params = {{"", ""}};
  s.headers = {{"Host", "x"}};
  s.body = "{";
  const Problems ps = check(s);
  ASSERT_GE(ps.size(), 5u);
  EXPECT_EQ(ps[0].field, "url");
  EXPECT_EQ(ps[1].field, "method");
  EXPECT_EQ(ps[2].field, "params[0].key");
  EXPECT_EQ(ps[3].field, "headers[0].key");
  EXPECT_EQ(ps.back().field, "body");
}

TEST(Validate, HttpTokens) {
  EXPECT_TRUE(hookcast::is_http_token("X-Api-Key"));
  EXPECT_TRUE(hookcast::is_http_token("!#$%&'*+-.^_`|~09azAZ"));
  EXPECT_FALSE(hookcast::is_http_token(""));
  EXPECT_FALSE(hookcast::is_http_token("a b"));
  EXPECT_FALSE(hookcast::is_http_token("a:b"));
  EXPECT_FALSE(hookcast::is_http_token("\xC3\xA9"));
}

}  // namespace
