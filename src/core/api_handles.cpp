#include "api_handles.hpp"

#include <utility>

#include "json_text.hpp"
#include "render.hpp"

namespace hookcast::api {
namespace {

// A handle packs a slot index (low 20 bits, +1 so 0 is never valid) and the
// slot's generation (high 12 bits).
constexpr std::uint32_t kIndexBits = 20;
constexpr std::uint32_t kIndexMask = (1u << kIndexBits) - 1;

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

std::uint32_t add_entry(std::unique_ptr<Entry> entry) {
  Registry& reg = registry();
  std::uint32_t index;
  if (!reg.free_list.empty()) {
    index = reg.free_list.back();
    reg.free_list.pop_back();
  } else {
    if (reg.slots.size() >= kIndexMask) return 0;
    index = static_cast<std::uint32_t>(reg.slots.size());
    reg.slots.emplace_back();
    reg.generations.push_back(0);
  }
  reg.slots[index] = std::move(entry);
  ++reg.live;
  return (reg.generations[index] << kIndexBits) | (index + 1);
}

const Entry* find_entry(std::uint32_t handle) { return registry().get(handle); }

void remove_entry(std::uint32_t handle) {
  Registry& reg = registry();
  if (!reg.get(handle)) return;
  const std::uint32_t index = (handle & kIndexMask) - 1;
  reg.slots[index].reset();
  reg.generations[index] = (reg.generations[index] + 1) & ((1u << (32 - kIndexBits)) - 1);
  reg.free_list.push_back(index);
  --reg.live;
}

std::uint32_t live_entries() { return registry().live; }

}  // namespace hookcast::api
