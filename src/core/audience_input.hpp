// Users and events as POST /v1/users and POST /v1/events receive them (and
// the ids other routes name users by): ids and event keys, property names,
// the size and nesting of properties, and an event's time. Every route
// checks through here, so the bounds and the time format are stated once.
//
// The bodies arrive as JSON text written by JavaScript's JSON.stringify (the
// worker parsed the request): sizes are those of that compact text, and a
// lone UTF-16 surrogate arrives as a \u escape (JsonNode::lone_surrogate).
//
// Codes: required, invalid_type, empty, invalid_text (a lone surrogate:
// not storable as UTF-8), too_long, invalid_id ("." and ".." name no URL
// path), invalid_property_name, too_deep, too_many_properties,
// properties_too_large, invalid_time (an event time), too_many (items).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "json_text.hpp"
#include "problem.hpp"

namespace hookcast {

constexpr std::size_t kMaxAudienceItems = 1000;     ///< users or events per call
constexpr std::size_t kMaxIdBytes = 256;            ///< an id, event key or property name (UTF-8)
constexpr std::size_t kMaxPropertiesBytes = 32768;  ///< one properties object as compact JSON
constexpr std::size_t kMaxPropertyNames = 200;      ///< top-level names of one properties object
constexpr std::size_t kMaxPropertyDepth = 32;       ///< arrays/objects nested inside a value

/// What an id names, for its rules and messages.
enum class IdKind {
  kUserId,  ///< also "." and ".." are refused (invalid_id)
  kEventKey,
  kCohortName,
};

/// Problems of the id at node `value` of `doc` (JsonDoc::kNone: absent, so
/// `required`), reported at `field`.
void check_id(const JsonDoc& doc, std::uint32_t value, IdKind kind, const std::string& field,
              Problems& out);

/// Problems of the properties object at node `value` (kNone: absent, which
/// is allowed), reported at `field`: an object whose names are non-empty,
/// storable and at most kMaxIdBytes, values nested at most
/// kMaxPropertyDepth deep, at most kMaxPropertyNames names and
/// kMaxPropertiesBytes of compact JSON.
void check_properties(const JsonDoc& doc, std::uint32_t value, const std::string& field,
                      Problems& out);

/// The time of an event (`at`) by the event-time rule (event_time.hpp: an
/// instant with an offset, years 1970..2099; `invalid_time`). Returns its
/// epoch ms, or -1 with a problem at `field`.
std::int64_t read_event_time(const JsonDoc& doc, std::uint32_t value, const std::string& field,
                             Problems& out);

/// Problems of a POST /v1/users body (the object at the root of `doc`):
/// `users` a list of at most kMaxAudienceItems items {id, properties?}.
/// Paths such as `users[3].id`, in item order.
Problems check_users(const JsonDoc& doc);

/// Problems of a POST /v1/events body: `events` a list of at most
/// kMaxAudienceItems items {userId, key, properties?, at?}. Fills `at` (one
/// per event: its epoch ms, or -1 when it has none) when nothing is wrong.
Problems check_events(const JsonDoc& doc, std::vector<std::int64_t>& at);

/// Problems of a POST /v1/campaigns/:key/send body: `recipients` a list of
/// 1 to kMaxAudienceItems items {userId, properties?}, optional top-level
/// `properties`, no other member (`unknown_field`).
Problems check_api_send(const JsonDoc& doc);

}  // namespace hookcast
