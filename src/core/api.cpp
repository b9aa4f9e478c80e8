// The coarse JSON surface (api.hpp): spec checks, variables, one-shot
// render, compile/release of handles and the request views. Reading and
// writing JSON is api_json.cpp's, handles api_handles.cpp's, rendering
// through a handle api_render.cpp's, retry decisions api_retry.cpp's.
#include "api.hpp"

#include <memory>
#include <utility>
#include <vector>

#include "api_handles.hpp"
#include "api_json.hpp"
#include "json_text.hpp"
#include "preview.hpp"
#include "render.hpp"
#include "request.hpp"
#include "template.hpp"
#include "webhook.hpp"

namespace hookcast::api {

std::string validate(std::string_view spec_json, std::string_view options_json) {
  return checked(check_spec(spec_json, options_json, nullptr));
}

std::string variables(std::string_view spec_json) {
  WebhookSpec spec;
  Problems ignored;
  std::vector<std::string> bad_fields;
  std::string out = "[";
  if (!decode_spec(spec_json, spec, ignored, bad_fields)) return "[]";
  bool first = true;
  auto list = [&](const std::string& text, const std::string& field) {
    Problems problems;
    const Template tpl = parse_template(text, field, problems);
    if (!problems.empty()) return;
    for (const VariableRef* var : tpl.variables()) {
      out.append(first ? "{\"source\":" : ",{\"source\":");
      first = false;
      append_json_string(out, variable_source_name(var->source));
      out.append(",\"name\":");
      append_json_string(out, var->name);
      out.append(",\"fallback\":");
      if (var->fallback) {
        append_json_string(out, var->fallback->text);
      } else {
        out.append("null");
      }
      out.append(",\"field\":");
      append_json_string(out, field);
      out.push_back('}');
    }
  };
  list(spec.url, "url");
  for (std::size_t i = 0; i < spec.params.size(); ++i) {
    const std::string base = "params[" + std::to_string(i) + "]";
    list(spec.params[i].key, base + ".key");
    list(spec.params[i].value, base + ".value");
  }
  for (std::size_t i = 0; i < spec.headers.size(); ++i)
    list(spec.headers[i].value, "headers[" + std::to_string(i) + "].value");
  if (spec.body) list(*spec.body, "body");
  out.push_back(']');
  return out;
}

std::string render(std::string_view spec_json, std::string_view context_json,
                   std::string_view options_json) {
  CompiledWebhook webhook;
  const Problems problems = check_spec(spec_json, options_json, &webhook);
  if (has_error(problems)) return failure(problems);
  const std::unique_ptr<Entry> entry = make_entry(std::move(webhook));
  return std::string(render_entry(*entry, context_json));
}

std::string compile(std::string_view spec_json, std::string_view options_json) {
  CompiledWebhook webhook;
  const Problems problems = check_spec(spec_json, options_json, &webhook);
  if (has_error(problems)) return failure(problems);
  std::unique_ptr<Entry> entry = make_entry(std::move(webhook));
  const std::string layout = entry->layout;
  const std::uint32_t handle = add_entry(std::move(entry));
  if (handle == 0) {
    return failure("spec", "too_many_webhooks",
                   "Too many compiled webhooks are alive; release some first.");
  }
  std::string out = "{\"ok\":true,\"handle\":" + std::to_string(handle) + ",\"warnings\":";
  append_problems(out, problems);
  out.append(",\"layout\":");
  out.append(layout);
  out.push_back('}');
  return out;
}

void release(std::uint32_t handle) { remove_entry(handle); }

std::uint32_t live_handles() { return live_entries(); }

std::string to_curl(std::string_view request_json) {
  HttpRequest request;
  Problems problems;
  if (!decode_request(request_json, request, problems)) return failure(problems);
  std::string out = "{\"ok\":true,\"curl\":";
  append_json_string(out, hookcast::to_curl(request));
  out.push_back('}');
  return out;
}

std::string to_table(std::string_view request_json) {
  HttpRequest request;
  Problems problems;
  if (!decode_request(request_json, request, problems)) return failure(problems);
  std::string out = "{\"ok\":true,\"rows\":";
  append_table(out, hookcast::to_table(request));
  out.push_back('}');
  return out;
}

}  // namespace hookcast::api
