// The compiled webhooks the api hands out by number (a handle), so the
// JavaScript side holds a plain integer rather than an object to delete.
// A handle packs a slot index and the slot's generation, so a released
// handle stays invalid after its slot is reused.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "webhook.hpp"

namespace hookcast::api {

/// A compiled webhook as the api hands it out, with the JSON pieces every
/// render of it shares, built once.
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

/// Builds an Entry (layout and JSON pieces) around `webhook`.
std::unique_ptr<Entry> make_entry(CompiledWebhook&& webhook);

/// Stores `entry`; returns its handle, or 0 when every slot is taken.
std::uint32_t add_entry(std::unique_ptr<Entry> entry);

/// The entry of `handle`, or null when it was released or never existed.
const Entry* find_entry(std::uint32_t handle);

/// Frees the entry of `handle`; unknown or released handles are ignored.
void remove_entry(std::uint32_t handle);

/// Number of live entries.
std::uint32_t live_entries();

/// Renders `entry` for one context as the JSON result; the view is valid
/// until the next render on this thread (api_render.cpp).
std::string_view render_entry(const Entry& entry, std::string_view context_json);

}  // namespace hookcast::api
