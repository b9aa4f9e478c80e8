#include "api_handles.hpp"

#include <utility>

#include "handle_registry.hpp"
#include "json_text.hpp"
#include "render.hpp"

namespace hookcast::api {
namespace {

HandleRegistry<Entry>& registry() {
  static HandleRegistry<Entry> r;
  return r;
}

}  // namespace

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

std::uint32_t add_entry(std::unique_ptr<Entry> entry) { return registry().add(std::move(entry)); }

const Entry* find_entry(std::uint32_t handle) { return registry().get(handle); }

void remove_entry(std::uint32_t handle) { registry().remove(handle); }

std::uint32_t live_entries() { return registry().live(); }

}  // namespace hookcast::api
