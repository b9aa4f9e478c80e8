#include "audience_input.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "buffer.hpp"
#include "calendar.hpp"
#include "event_time.hpp"

namespace hookcast {
namespace {

constexpr std::uint32_t kNone = JsonDoc::kNone;

void add(Problems& out, std::string field, const char* code, std::string message) {
  out.push_back(Problem{std::move(field), code, std::move(message), Severity::kError});
}

// What a value is, as the messages name it ("must be a string, not a number").
const char* kind_name(const JsonDoc& doc, std::uint32_t node) {
  switch (doc.node(node).type) {
    case JsonType::kNull:
      return "null";
    case JsonType::kFalse:
    case JsonType::kTrue:
      return "a boolean";
    case JsonType::kNumber:
      return "a number";
    case JsonType::kString:
      return "a string";
    case JsonType::kArray:
      return "an array";
    case JsonType::kObject:
      break;
  }
  return "an object";
}

const char* id_words(IdKind kind) {
  switch (kind) {
    case IdKind::kUserId:
      return "A user id";
    case IdKind::kEventKey:
      return "An event key";
    case IdKind::kCohortName:
      break;
  }
  return "A cohort name";
}

// The decoded UTF-8 bytes of string node `node`.
std::string decoded(const JsonDoc& doc, std::uint32_t node) {
  Buffer b;
  doc.append_string(node, b);
  return b.str();
}

// "users[3]"
std::string item_field(const char* list, std::size_t i) {
  return std::string(list) + "[" + std::to_string(i) + "]";
}

// The member `key` of object node `object`, or kNone.
std::uint32_t member(const JsonDoc& doc, std::uint32_t object, std::string_view key) {
  return doc.find(object, key);
}

// True when a container inside `value` (an object or array at level 0)
// sits deeper than kMaxPropertyDepth levels.
bool too_deep(const JsonDoc& doc, std::uint32_t value) {
  std::vector<std::uint32_t> open{doc.node(value).next};
  for (std::uint32_t i = value + 1; i < doc.node(value).next; ++i) {
    while (!open.empty() && i >= open.back()) open.pop_back();
    const JsonType t = doc.node(i).type;
    if (t != JsonType::kArray && t != JsonType::kObject) continue;
    if (open.size() > kMaxPropertyDepth) return true;
    open.push_back(doc.node(i).next);
  }
  return false;
}

// The list `name` of the body at the root: its node, or kNone with a problem.
std::uint32_t items_of(const JsonDoc& doc, const char* name, Problems& out) {
  const std::uint32_t list = doc.node(0).type == JsonType::kObject ? member(doc, 0, name) : kNone;
  if (list == kNone) {
    add(out, name, "required",
        std::string("The request needs \"") + name + "\": a list of at most " +
            std::to_string(kMaxAudienceItems) + " items.");
    return kNone;
  }
  if (doc.node(list).type != JsonType::kArray) {
    add(out, name, "invalid_type", std::string("\"") + name + "\" must be a list.");
    return kNone;
  }
  if (doc.node(list).count > kMaxAudienceItems) {
    add(out, name, "too_many",
        "At most " + std::to_string(kMaxAudienceItems) + " " + name + " per call; this one has " +
            std::to_string(doc.node(list).count) + ". Split it into several calls.");
    return kNone;
  }
  return list;
}

}  // namespace

void check_id(const JsonDoc& doc, std::uint32_t value, IdKind kind, const std::string& field,
              Problems& out) {
  const std::string what = id_words(kind);
  if (value == kNone) {
    std::string lower = what;
    lower[0] = static_cast<char>(lower[0] - 'A' + 'a');
    add(out, field, "required", "Each item needs " + lower + ".");
    return;
  }
  const JsonNode& n = doc.node(value);
  if (n.type != JsonType::kString) {
    add(out, field, "invalid_type", what + " must be a string, not " + kind_name(doc, value) + ".");
    return;
  }
  if (n.length == 0) {
    add(out, field, "empty", what + " must not be empty.");
    return;
  }
  if (n.lone_surrogate) {
    add(out, field, "invalid_text",
        what + " contains an unpaired UTF-16 surrogate (it cannot be stored as UTF-8).");
    return;
  }
  const std::string text = decoded(doc, value);
  if (text.size() > kMaxIdBytes) {
    add(out, field, "too_long",
        what + " is " + std::to_string(text.size()) + " bytes long; at most " +
            std::to_string(kMaxIdBytes) + " UTF-8 bytes.");
    return;
  }
  if (kind == IdKind::kUserId && (text == "." || text == "..")) {
    add(out, field, "invalid_id",
        "A user id cannot be \"" + text + "\": GET /v1/users/" + text + " could not name it.");
  }
}

void check_properties(const JsonDoc& doc, std::uint32_t value, const std::string& field,
                      Problems& out) {
  if (value == kNone) return;
  if (doc.node(value).type != JsonType::kObject) {
    add(out, field, "invalid_type", field + " must be a JSON object of name: value.");
    return;
  }
  const std::uint32_t end = doc.node(value).next;
  for (std::uint32_t key = value + 1; key < end; key = doc.node(key + 1).next) {
    const JsonNode& k = doc.node(key);
    if (k.length == 0) {
      add(out, field, "invalid_property_name", "A property name must not be empty.");
      return;
    }
    if (k.lone_surrogate) {
      add(out, field, "invalid_property_name",
          "Property name \"" + std::string(doc.raw(key).substr(0, 60)) +
              "\" contains an unpaired UTF-16 surrogate.");
      return;
    }
    const std::string name = decoded(doc, key);
    if (name.size() > kMaxIdBytes) {
      add(out, field, "invalid_property_name",
          "Property name \"" + name.substr(0, 40) + "…\" is longer than " +
              std::to_string(kMaxIdBytes) + " UTF-8 bytes.");
      return;
    }
  }
  if (too_deep(doc, value)) {
    add(out, field, "too_deep",
        "Property values nest arrays and objects at most " + std::to_string(kMaxPropertyDepth) +
            " levels deep.");
    return;
  }
  const std::size_t names = doc.node(value).count;
  if (names > kMaxPropertyNames) {
    add(out, field, "too_many_properties",
        "At most " + std::to_string(kMaxPropertyNames) +
            " properties are kept per user or event; this one would have " + std::to_string(names) +
            ".");
    return;
  }
  Buffer compact;
  doc.append_compact(value, compact);
  if (compact.size() > kMaxPropertiesBytes) {
    add(out, field, "properties_too_large",
        "Properties are at most " + std::to_string(kMaxPropertiesBytes) +
            " bytes as JSON per user or event; these would be " + std::to_string(compact.size()) +
            ".");
  }
}

std::int64_t read_event_time(const JsonDoc& doc, std::uint32_t value, const std::string& field,
                             Problems& out) {
  if (doc.node(value).type != JsonType::kString) {
    add(out, field, "invalid_type",
        field + " must be an ISO 8601 date and time string such as \"2026-11-30T09:15:00Z\".");
    return -1;
  }
  // The event-time rule (event_time.hpp): an instant with an offset, years 1970..2099.
  const EventTime t = parse_event_time(decoded(doc, value), field);
  if (!t.ok) {
    add(out, field, "invalid_time", t.message);
    return -1;
  }
  return t.ms;
}

Problems check_users(const JsonDoc& doc) {
  Problems out;
  const std::uint32_t list = items_of(doc, "users", out);
  if (list == kNone) return out;
  const std::uint32_t end = doc.node(list).next;
  std::size_t i = 0;
  for (std::uint32_t item = list + 1; item < end; item = doc.node(item).next, ++i) {
    const std::string at = item_field("users", i);
    if (doc.node(item).type != JsonType::kObject) {
      add(out, at, "invalid_type",
          at + " must be an object like {\"id\": \"u1\", \"properties\": {...}}.");
      continue;
    }
    check_id(doc, member(doc, item, "id"), IdKind::kUserId, at + ".id", out);
    check_properties(doc, member(doc, item, "properties"), at + ".properties", out);
  }
  return out;
}

Problems check_events(const JsonDoc& doc, std::vector<std::int64_t>& times) {
  Problems out;
  times.clear();
  const std::uint32_t list = items_of(doc, "events", out);
  if (list == kNone) return out;
  const std::uint32_t end = doc.node(list).next;
  std::size_t i = 0;
  for (std::uint32_t item = list + 1; item < end; item = doc.node(item).next, ++i) {
    const std::string at = item_field("events", i);
    if (doc.node(item).type != JsonType::kObject) {
      add(out, at, "invalid_type",
          at + " must be an object like {\"userId\": \"u1\", \"key\": \"purchase\"}.");
      continue;
    }
    check_id(doc, member(doc, item, "userId"), IdKind::kUserId, at + ".userId", out);
    check_id(doc, member(doc, item, "key"), IdKind::kEventKey, at + ".key", out);
    check_properties(doc, member(doc, item, "properties"), at + ".properties", out);
    const std::uint32_t time = member(doc, item, "at");
    times.push_back(time == kNone ? -1 : read_event_time(doc, time, at + ".at", out));
  }
  if (!out.empty()) times.clear();
  return out;
}

Problems check_api_send(const JsonDoc& doc) {
  Problems out;
  if (doc.node(0).type != JsonType::kObject) {
    add(out, "recipients", "required", "The request needs \"recipients\".");
    return out;
  }
  const std::uint32_t list = member(doc, 0, "recipients");
  const std::string most = std::to_string(kMaxAudienceItems);
  if (list == kNone) {
    add(out, "recipients", "required",
        "The request needs \"recipients\": a list of 1 to " + most +
            " { \"userId\", \"properties\"? }.");
  } else if (doc.node(list).type != JsonType::kArray) {
    add(out, "recipients", "invalid_type", "\"recipients\" must be a list.");
  } else if (doc.node(list).count == 0) {
    add(out, "recipients", "empty", "\"recipients\" is empty: name at least one.");
  } else if (doc.node(list).count > kMaxAudienceItems) {
    add(out, "recipients", "too_many",
        "At most " + most + " recipients per call; this one has " +
            std::to_string(doc.node(list).count) + ". Split it.");
  } else {
    const std::uint32_t end = doc.node(list).next;
    std::size_t i = 0;
    for (std::uint32_t item = list + 1; item < end; item = doc.node(item).next, ++i) {
      const std::string at = item_field("recipients", i);
      if (doc.node(item).type != JsonType::kObject) {
        add(out, at, "invalid_type",
            at + " must be an object like {\"userId\": \"u1\", \"properties\": {...}}.");
        continue;
      }
      check_id(doc, member(doc, item, "userId"), IdKind::kUserId, at + ".userId", out);
      check_properties(doc, member(doc, item, "properties"), at + ".properties", out);
    }
  }
  check_properties(doc, member(doc, 0, "properties"), "properties", out);
  const std::uint32_t end = doc.node(0).next;
  for (std::uint32_t key = 1; key < end; key = doc.node(key + 1).next) {
    const std::string name = decoded(doc, key);
    if (name == "recipients" || name == "properties") continue;
    add(out, name, "unknown_field",
        "\"" + name +
            "\" is not a field of an API send; send \"recipients\" and optional \"properties\".");
  }
  return out;
}

}  // namespace hookcast
