#include "api.hpp"

#include <cmath>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "api_json.hpp"
#include "json_text.hpp"
#include "preview.hpp"
#include "render.hpp"
#include "request.hpp"
#include "retry.hpp"
#include "template.hpp"
#include "webhook.hpp"

namespace hookcast::api {
namespace {

using nlohmann::json;

// ---- the handle registry --------------------------------------------------------

// A handle packs a slot index (low 20 bits, +1 so 0 is never valid) and the
// slot's generation (high 12 bits), so a released handle stays invalid after
// its slot is reused.
constexpr std::uint32_t kIndexBits = 20;
constexpr std::uint32_t kIndexMask = (1u << kIndexBits) - 1;

struct Entry {
  CompiledWebhook webhook;
  /// JSON text before the URL and around each header, built once.
  std::string head;                       // {"ok":true,"request":{"method":"...","url":"
  std::vector<std::string> header_heads;  // ,["Name","
  /// Per header: true when its value holds no placeholder (the packed
  /// format leaves it out; compile() hands it over once in the layout).
  std::vector<bool> header_static;
  /// compile()'s "layout" member: method, headers (static values or null), body.
  std::string layout;
};

struct Registry {
  std::vector<std::unique_ptr<Entry>> slots;
  std::vector<std::uint32_t> generations;
  std::vector<std::uint32_t> free_list;
  std::uint32_t live = 0;

  Entry* get(std::uint32_t handle) {
    const std::uint32_t index = (handle & kIndexMask);
    if (index == 0 || index > slots.size()) return nullptr;
    if (generations[index - 1] != (handle >> kIndexBits)) return nullptr;
    return slots[index - 1].get();
  }
};

Registry& registry() {
  static Registry r;
  return r;
}

// Buffers reused by every render through this API (the wasm module is
// single-threaded; natively each thread gets its own).
struct Buffers {
  RenderScratch scratch;
  RenderedRequest rendered;
  Buffer out;
};

Buffers& buffers() {
  thread_local Buffers b;
  return b;
}

void append_result(Buffer& out, const Entry& entry, const RenderedRequest& r) {
  if (!r.ok) {
    out.append("{\"ok\":false,\"problems\":");
    append_problems(out, r.problems);
    out.push_back('}');
    return;
  }
  // Results are written as pure ASCII JSON (non-ASCII as \u escapes): the
  // JavaScript side decodes and parses one-byte strings much faster.
  out.append(entry.head);
  append_json_escaped_ascii(out, r.url.view());
  out.append("\",\"headers\":[[\"Content-Type\",\"application/json\"]");
  for (std::size_t i = 0; i < entry.header_heads.size(); ++i) {
    out.append(entry.header_heads[i]);
    append_json_escaped_ascii(out, r.header_values[i].view());
    out.append("\"]");
  }
  out.append("],\"body\":");
  if (r.has_body) {
    out.push_back('"');
    append_json_escaped_ascii(out, r.body.view());
    out.push_back('"');
  } else {
    out.append("null");
  }
  out.append("},\"warnings\":");
  append_problems(out, r.problems);
  out.push_back('}');
}

std::unique_ptr<Entry> make_entry(CompiledWebhook&& webhook) {
  auto entry = std::make_unique<Entry>();
  entry->webhook = std::move(webhook);
  entry->head = "{\"ok\":true,\"request\":{\"method\":";
  append_json_string(entry->head, entry->webhook.method);
  entry->head.append(",\"url\":\"");
  entry->layout = "{\"method\":";
  append_json_string(entry->layout, entry->webhook.method);
  entry->layout.append(",\"headers\":[[\"Content-Type\",\"application/json\"]");
  for (const CompiledHeader& h : entry->webhook.headers) {
    std::string head = ",[";
    append_json_string(head, h.name);
    head.append(",\"");
    entry->header_heads.push_back(std::move(head));
    std::string value;
    const bool fixed = static_header_value(h, value);
    entry->header_static.push_back(fixed);
    entry->layout.append(",[");
    append_json_string(entry->layout, h.name);
    entry->layout.push_back(',');
    if (fixed) {
      append_json_string(entry->layout, value);
    } else {
      entry->layout.append("null");
    }
    entry->layout.push_back(']');
  }
  entry->layout.append(entry->webhook.has_body ? "],\"body\":true}" : "],\"body\":false}");
  return entry;
}

// Eight bytes a step (a memchr call into wasm's libc cost more than that).
bool holds_nul(std::string_view text) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
  const char* p = text.data();
  const std::size_t n = text.size();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t v;
    std::memcpy(&v, p + i, 8);
    if ((v - kOnes) & ~v & kHighs) return true;
  }
  for (; i < n; ++i)
    if (p[i] == '\0') return true;
  return false;
}

// One record of the packed format (see api.hpp). The NUL separator is safe
// because no rendered field can hold a NUL: URLs are percent-encoded, header
// values with one are refused, and the JSON body escapes control characters.
// The check below keeps that a guarantee of this function, not an assumption.
void append_packed(Buffer& out, const Entry& entry, const RenderedRequest& r) {
  if (!r.ok) {
    out.append("e", 2);
    append_problems(out, r.problems);
    out.push_back('\0');
    return;
  }
  bool nul = holds_nul(r.url.view()) || (r.has_body && holds_nul(r.body.view()));
  for (std::size_t i = 0; i < r.header_values.size(); ++i)
    nul = nul || (!entry.header_static[i] && holds_nul(r.header_values[i].view()));
  if (nul) {
    out.append("j", 2);
    append_result(out, entry, r);
    out.push_back('\0');
    return;
  }
  out.append(r.problems.empty() ? "o" : "w", 2);
  out.append(r.url.view());
  out.push_back('\0');
  for (std::size_t i = 0; i < r.header_values.size(); ++i) {
    if (entry.header_static[i]) continue;
    out.append(r.header_values[i].view());
    out.push_back('\0');
  }
  if (r.has_body) {
    out.append(r.body.view());
    out.push_back('\0');
  }
  if (!r.problems.empty()) {
    append_problems(out, r.problems);
    out.push_back('\0');
  }
}

std::string_view render_entry(const Entry& entry, std::string_view context_json) {
  Buffers& b = buffers();
  render_json(entry.webhook, context_json, b.scratch, b.rendered);
  b.out.clear();
  append_result(b.out, entry, b.rendered);
  return b.out.view();
}

// Puts a one-off answer in the shared output buffer, for the *_view functions.
std::string_view buffered(const std::string& text) {
  Buffers& b = buffers();
  b.out.clear();
  b.out.append(text);
  return b.out.view();
}

}  // namespace

std::string validate(std::string_view spec_json, std::string_view options_json) {
  const Problems problems = check_spec(spec_json, options_json, nullptr);
  std::string out =
      has_error(problems) ? "{\"ok\":false,\"problems\":" : "{\"ok\":true,\"problems\":";
  append_problems(out, problems);
  out.push_back('}');
  return out;
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
  Registry& reg = registry();
  std::uint32_t index;
  if (!reg.free_list.empty()) {
    index = reg.free_list.back();
    reg.free_list.pop_back();
  } else {
    if (reg.slots.size() >= kIndexMask) {
      return failure("spec", "too_many_webhooks",
                     "Too many compiled webhooks are alive; release some first.");
    }
    index = static_cast<std::uint32_t>(reg.slots.size());
    reg.slots.emplace_back();
    reg.generations.push_back(0);
  }
  reg.slots[index] = make_entry(std::move(webhook));
  ++reg.live;
  const std::uint32_t handle = (reg.generations[index] << kIndexBits) | (index + 1);
  std::string out = "{\"ok\":true,\"handle\":" + std::to_string(handle) + ",\"warnings\":";
  append_problems(out, problems);
  out.append(",\"layout\":");
  out.append(reg.slots[index]->layout);
  out.push_back('}');
  return out;
}

namespace {

const Entry* entry_or_failure(std::uint32_t handle, bool packed) {
  const Entry* entry = registry().get(handle);
  if (!entry) {
    const std::string_view text =
        buffered(failure("handle", "invalid_handle",
                         "This compiled webhook was released or never existed; compile it again."));
    if (packed) {
      Buffer& out = buffers().out;
      const std::string json(text);
      out.clear();
      out.append("x", 2);
      out.append(json);
      out.push_back('\0');
    }
  }
  return entry;
}

std::string_view render_one(std::uint32_t handle, std::string_view context_json, bool packed) {
  const Entry* entry = entry_or_failure(handle, packed);
  if (!entry) return buffers().out.view();
  Buffers& b = buffers();
  render_json(entry->webhook, context_json, b.scratch, b.rendered);
  b.out.clear();
  if (packed) {
    append_packed(b.out, *entry, b.rendered);
  } else {
    append_result(b.out, *entry, b.rendered);
  }
  return b.out.view();
}

std::string_view render_many(std::uint32_t handle, std::string_view contexts_json, bool packed) {
  const Entry* entry = entry_or_failure(handle, packed);
  if (!entry) return buffers().out.view();
  Buffers& b = buffers();
  JsonError error;
  std::string problem;
  if (!b.scratch.doc.parse(contexts_json, &error)) {
    problem =
        failure("contexts", "invalid_context",
                "The contexts are not valid JSON at " +
                    describe_position(contexts_json, error.offset) + ": " + error.reason + ".");
  } else if (b.scratch.doc.node(0).type != JsonType::kArray) {
    problem = failure("contexts", "invalid_type", "The contexts must be a JSON array.");
  }
  b.out.clear();
  if (!problem.empty()) {
    if (packed) b.out.append("x", 2);
    b.out.append(problem);
    if (packed) b.out.push_back('\0');
    return b.out.view();
  }
  const JsonDoc& doc = b.scratch.doc;
  if (!packed) b.out.push_back('[');
  const std::uint32_t end = doc.node(0).next;
  for (std::uint32_t i = 1; i < end; i = doc.node(i).next) {
    render_context(entry->webhook, doc, i, b.scratch, b.rendered);
    if (packed) {
      append_packed(b.out, *entry, b.rendered);
    } else {
      if (i != 1) b.out.push_back(',');
      append_result(b.out, *entry, b.rendered);
    }
  }
  if (!packed) b.out.push_back(']');
  return b.out.view();
}

}  // namespace

std::string_view render_compiled_view(std::uint32_t handle, std::string_view context_json) {
  return render_one(handle, context_json, false);
}

std::string render_compiled(std::uint32_t handle, std::string_view context_json) {
  return std::string(render_compiled_view(handle, context_json));
}

std::string_view render_batch_view(std::uint32_t handle, std::string_view contexts_json) {
  return render_many(handle, contexts_json, false);
}

std::string render_batch(std::uint32_t handle, std::string_view contexts_json) {
  return std::string(render_batch_view(handle, contexts_json));
}

std::string_view render_compiled_packed(std::uint32_t handle, std::string_view context_json) {
  return render_one(handle, context_json, true);
}

std::string_view render_batch_packed(std::uint32_t handle, std::string_view contexts_json) {
  return render_many(handle, contexts_json, true);
}

void release(std::uint32_t handle) {
  Registry& reg = registry();
  if (!reg.get(handle)) return;
  const std::uint32_t index = (handle & kIndexMask) - 1;
  reg.slots[index].reset();
  reg.generations[index] = (reg.generations[index] + 1) & ((1u << (32 - kIndexBits)) - 1);
  reg.free_list.push_back(index);
  --reg.live;
}

std::uint32_t live_handles() { return registry().live; }

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

std::string retry_decision(std::string_view outcome_json, int attempt, double now_ms,
                           std::string_view options_json) {
  Outcome outcome;
  const json doc = json::parse(outcome_json.begin(), outcome_json.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return failure(
        "outcome", "invalid_type",
        "The outcome must be {\"status\": 503} or {\"error\": \"timeout\"|\"network\"}.");
  }
  const auto error = doc.find("error");
  const auto status = doc.find("status");
  if (error != doc.end() && !error->is_null()) {
    const bool timeout = error->is_string() && error->get_ref<const std::string&>() == "timeout";
    const bool network = error->is_string() && error->get_ref<const std::string&>() == "network";
    if (!timeout && !network) {
      return failure("outcome.error", "invalid_type",
                     "outcome.error must be \"timeout\" or \"network\".");
    }
    outcome.kind = timeout ? Outcome::Kind::kTimeout : Outcome::Kind::kNetwork;
  } else if (status != doc.end() && status->is_number()) {
    const double s = status->get<double>();
    if (s != std::floor(s)) {
      return failure("outcome.status", "invalid_type", "outcome.status must be a whole number.");
    }
    outcome.kind = Outcome::Kind::kStatus;
    outcome.status = (s >= -1e6 && s <= 1e6) ? static_cast<int>(s) : -1;
    const auto after = doc.find("retryAfter");
    if (after != doc.end() && !after->is_null()) {
      if (!after->is_string()) {
        return failure("outcome.retryAfter", "invalid_type",
                       "outcome.retryAfter must be the Retry-After header's text.");
      }
      outcome.retry_after = after->get<std::string>();
    }
  } else {
    return failure("outcome", "invalid_type",
                   "The outcome needs a numeric status or an error (\"timeout\" or \"network\").");
  }
  if (!std::isfinite(now_ms) || std::fabs(now_ms) > 8.64e15) {
    return failure("nowMs", "invalid_type", "nowMs must be a finite number of milliseconds.");
  }
  RetryOptions options;
  if (!options_json.empty()) {
    const json opts = json::parse(options_json.begin(), options_json.end(), nullptr, false);
    if (opts.is_discarded() || !opts.is_object()) {
      return failure("options", "invalid_type",
                     "The retry options must be an object {\"jitter\": bool, \"seed\": number}.");
    }
    const auto jitter = opts.find("jitter");
    if (jitter != opts.end() && !jitter->is_null()) {
      if (!jitter->is_boolean()) {
        return failure("options.jitter", "invalid_type", "options.jitter must be true or false.");
      }
      options.jitter = jitter->get<bool>();
    }
    const auto seed = opts.find("seed");
    if (seed != opts.end() && !seed->is_null()) {
      const double v = seed->is_number() ? seed->get<double>() : -1;
      if (!seed->is_number() || v < 0 || v != std::floor(v) || v >= 18446744073709551616.0) {
        return failure("options.seed", "invalid_type",
                       "options.seed must be a whole number, 0 or more.");
      }
      options.seed =
          seed->is_number_unsigned() ? seed->get<std::uint64_t>() : static_cast<std::uint64_t>(v);
    }
  }
  const RetryDecision d = hookcast::retry_decision(
      outcome, attempt, static_cast<std::int64_t>(std::floor(now_ms)), options);
  std::string out = d.retry ? "{\"ok\":true,\"retry\":true,\"delayMs\":"
                            : "{\"ok\":true,\"retry\":false,\"delayMs\":";
  out += std::to_string(d.delay_ms);
  out.append(",\"reason\":");
  append_json_string(out, d.reason);
  out.append(",\"verdict\":\"");
  out.append(verdict_name(d.verdict));
  out.append("\"}");
  return out;
}

}  // namespace hookcast::api
