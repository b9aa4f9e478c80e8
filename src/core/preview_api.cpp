#include "preview_api.hpp"

#include <utility>

#include "api_json.hpp"
#include "preview.hpp"
#include "problem_codes.hpp"
#include "render.hpp"
#include "url.hpp"
#include "webhook.hpp"

namespace hookcast::api {
namespace {

bool same(const Problem& a, const Problem& b) {
  return a.field == b.field && a.code == b.code && a.message == b.message &&
         a.severity == b.severity;
}

std::string preview_answer(bool ok, const Problems& problems, const HttpRequest* request) {
  std::string out = ok ? "{\"ok\":true,\"problems\":" : "{\"ok\":false,\"problems\":";
  append_problems(out, problems);
  if (!request) {
    out.append(",\"request\":null,\"curl\":null,\"table\":null}");
    return out;
  }
  out.append(",\"request\":");
  append_request(out, *request);
  out.append(",\"curl\":");
  append_json_string(out, to_curl(*request));
  out.append(",\"table\":");
  append_table(out, to_table(*request));
  out.push_back('}');
  return out;
}

}  // namespace

std::string preview(std::string_view spec_json, std::string_view context_json,
                    std::string_view options_json) {
  CompiledWebhook webhook;
  Problems problems = check_spec(spec_json, options_json, &webhook);
  if (has_error(problems)) return preview_answer(false, problems, nullptr);
  RenderResult rendered = render(webhook, context_json);
  for (Problem& p : rendered.problems) {
    bool seen = false;
    for (const Problem& q : problems) seen = seen || same(p, q);
    if (!seen) problems.push_back(std::move(p));
  }
  return preview_answer(rendered.ok, problems, rendered.ok ? &rendered.request : nullptr);
}

std::string check_destination(std::string_view url, bool allow_local_http) {
  Problem problem{"url", "", "", Severity::kError};
  if (url.size() > kMaxUrlBytes) {
    problem.code = "url_too_long";
    problem.message = "The URL is " + std::to_string(url.size()) + " bytes long; the limit is " +
                      std::to_string(kMaxUrlBytes) + ".";
  } else {
    Options options;
    options.allow_local_http = allow_local_http;
    ParsedUrl parsed = parse_url(url, options);
    if (parsed.ok) return "{\"ok\":true,\"problems\":[]}";
    problem.code = std::move(parsed.code);
    problem.message = std::move(parsed.message);
  }
  return failure(Problems{std::move(problem)});
}

std::string methods() {
  std::string out = "[";
  for (const char* m : kMethods) {
    if (out.size() > 1) out.push_back(',');
    append_json_string(out, m);
  }
  out.push_back(']');
  return out;
}

std::string problem_codes() {
  std::size_t count = 0;
  const ProblemCodeInfo* codes = hookcast::problem_codes(count);
  std::string out = "[";
  for (std::size_t i = 0; i < count; ++i) {
    out.append(i ? ",{\"code\":" : "{\"code\":");
    append_json_string(out, codes[i].code);
    out.append(",\"summary\":");
    append_json_string(out, codes[i].summary);
    out.push_back('}');
  }
  out.push_back(']');
  return out;
}

}  // namespace hookcast::api
