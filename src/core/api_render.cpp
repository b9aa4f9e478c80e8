// Rendering through a handle: the render result written as JSON (the
// shape engine.render answers) or in the packed format (packed_format.hpp),
// one context or a batch. The per-render path: built at -O2 in the wasm.
#include <cstring>
#include <memory>
#include <utility>

#include "api.hpp"
#include "api_handles.hpp"
#include "api_json.hpp"
#include "packed_format.hpp"
#include "render.hpp"

namespace hookcast::api {
namespace {

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

// A record's tag field: the tag and its NUL.
void append_tag(Buffer& out, char tag) {
  out.push_back(tag);
  out.push_back('\0');
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

// One record of the packed format (packed_format.hpp). The NUL separator is
// safe because no rendered field can hold a NUL: URLs are percent-encoded
// (literal text is normalised at compile time), header values with one are
// refused (header_injection), and the JSON body escapes control characters.
// RenderHostile tests in render_test.cpp hold the renderer to that.
void append_packed(Buffer& out, const Entry& entry, const RenderedRequest& r) {
  if (!r.ok) {
    append_tag(out, packed::kRefused);
    append_problems(out, r.problems);
    out.push_back('\0');
    return;
  }
  append_tag(out, r.problems.empty() ? packed::kOk : packed::kWarnings);
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

// Puts a one-off answer in the shared output buffer, for the *_view functions.
std::string_view buffered(const std::string& text) {
  Buffers& b = buffers();
  b.out.clear();
  b.out.append(text);
  return b.out.view();
}

}  // namespace

std::string_view render_entry(const Entry& entry, std::string_view context_json) {
  Buffers& b = buffers();
  render_json(entry.webhook, context_json, b.scratch, b.rendered);
  b.out.clear();
  append_result(b.out, entry, b.rendered);
  return b.out.view();
}

namespace {

const Entry* entry_or_failure(std::uint32_t handle, bool packed) {
  const Entry* entry = find_entry(handle);
  if (!entry) {
    const std::string_view text =
        buffered(failure("handle", "invalid_handle",
                         "This compiled webhook was released or never existed; compile it again."));
    if (packed) {
      Buffer& out = buffers().out;
      const std::string json(text);
      out.clear();
      append_tag(out, packed::kFailed);
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
    if (packed) append_tag(b.out, packed::kFailed);
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

std::string_view render_once_packed(std::string_view spec_json, std::string_view context_json,
                                    std::string_view options_json) {
  CompiledWebhook webhook;
  const Problems problems = check_spec(spec_json, options_json, &webhook);
  Buffers& b = buffers();
  b.out.clear();
  if (has_error(problems)) {
    append_tag(b.out, packed::kFailed);
    b.out.append(failure(problems));
    b.out.push_back('\0');
    return b.out.view();
  }
  const std::unique_ptr<Entry> entry = make_entry(std::move(webhook));
  b.out.append(entry->layout);
  b.out.push_back('\0');
  render_json(entry->webhook, context_json, b.scratch, b.rendered);
  append_packed(b.out, *entry, b.rendered);
  return b.out.view();
}

}  // namespace hookcast::api
