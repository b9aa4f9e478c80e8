// Fallback counts through a handle (api::fallback_counts): which variables a
// batch of contexts leaves empty, for the audience check's `fallbacks`. The
// same tests as the render (render.hpp's empty_variables), answered as
// counts, so no caller probes the render with sentinel values.
#include <cstdint>
#include <string>
#include <vector>

#include "api.hpp"
#include "api_handles.hpp"
#include "api_json.hpp"
#include "render.hpp"
#include "template.hpp"

namespace hookcast::api {

std::string_view fallback_counts(std::uint32_t handle, std::string_view contexts_json) {
  thread_local RenderScratch scratch;
  thread_local std::string out;
  const Entry* entry = find_entry(handle);
  if (!entry) {
    out = failure("handle", "invalid_handle",
                  "This compiled webhook was released or never existed; compile it again.");
    return out;
  }
  JsonError error;
  if (!scratch.doc.parse(contexts_json, &error)) {
    out = failure("contexts", "invalid_context",
                  "The contexts are not valid JSON at " +
                      describe_position(contexts_json, error.offset) + ": " + error.reason + ".");
    return out;
  }
  if (scratch.doc.node(0).type != JsonType::kArray) {
    out = failure("contexts", "invalid_type", "The contexts must be a JSON array.");
    return out;
  }
  const CompiledWebhook& webhook = entry->webhook;
  std::vector<std::uint64_t> counts(webhook.lookups.size(), 0);
  std::vector<bool> empty;
  const JsonDoc& doc = scratch.doc;
  const std::uint32_t end = doc.node(0).next;
  for (std::uint32_t i = 1; i < end; i = doc.node(i).next) {
    if (!empty_variables(webhook, doc, i, scratch, empty)) continue;
    for (std::size_t k = 0; k < empty.size(); ++k) counts[k] += empty[k] ? 1 : 0;
  }
  std::vector<bool> has_fallback(webhook.lookups.size(), false);
  for (const Slot& slot : webhook.slots)
    if (slot.fallback) has_fallback[slot.lookup] = true;
  out = "{\"ok\":true,\"variables\":[";
  for (std::size_t k = 0; k < webhook.lookups.size(); ++k) {
    const Lookup& lookup = webhook.lookups[k];
    if (k) out.push_back(',');
    out.append("{\"variable\":{\"source\":");
    append_json_string(out, variable_source_name(lookup.source));
    out.append(",\"name\":");
    append_json_string(out, lookup.name);
    out.append(",\"display\":");
    append_json_string(out, lookup.display);
    out.append(has_fallback[k] ? "},\"fallback\":true,\"count\":"
                               : "},\"fallback\":false,\"count\":");
    out.append(std::to_string(counts[k]));
    out.push_back('}');
  }
  out.append("]}");
  return out;
}

}  // namespace hookcast::api
