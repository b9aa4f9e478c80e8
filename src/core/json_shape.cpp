#include "json_shape.hpp"

#include <cmath>
#include <utility>

#include "unicode.hpp"

namespace hookcast {

using nlohmann::json;

const char* json_type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a true/false value";
    case json::value_t::string:
      return "a text";
    case json::value_t::array:
      return "a list";
    case json::value_t::object:
      return "an object";
    case json::value_t::binary:
    case json::value_t::discarded:
      return "something else";
    default:
      return "a number";
  }
}

json::const_iterator find_member(const json& object, const char* key) { return object.find(key); }

namespace {

bool blank(const std::string& text) {
  for (const char c : text)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  return true;
}

std::string path(const std::string& base, const std::string& key) {
  return base.empty() ? key : base + "." + key;
}

}  // namespace

void JsonShape::error(std::string field, const char* code, std::string message) {
  out_.push_back(Problem{std::move(field), code, std::move(message), Severity::kError});
}

void JsonShape::wrong_type(const std::string& field, const std::string& expected, const json& got) {
  error(field, "invalid_type",
        field + " must be " + expected + ", not " + json_type_name(got) + ".");
}

bool JsonShape::object(const json& v, const std::string& field, const char* expected) {
  if (v.is_object()) return true;
  wrong_type(field, expected, v);
  return false;
}

void JsonShape::only(const json& obj, const std::string& base,
                     std::initializer_list<const char*> known, const char* what) {
  for (const auto& item : obj.items()) {
    bool found = false;
    for (const char* k : known) found = found || item.key() == k;
    if (found) continue;
    std::string names;
    for (const char* k : known) names += (names.empty() ? "" : ", ") + std::string(k);
    error(path(base, item.key()), "unknown_field",
          "\"" + item.key() + "\" is not part of " + what + " (known: " + names + ").");
  }
}

std::optional<std::int64_t> JsonShape::integer(const json& v, const std::string& field,
                                               std::int64_t min, std::int64_t max) {
  // Values beyond the range are read as just past it, so a huge number is
  // out_of_range rather than an overflow.
  std::optional<std::int64_t> n;
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    n = u > static_cast<std::uint64_t>(max) ? max + 1 : static_cast<std::int64_t>(u);
  } else if (v.is_number_integer()) {
    n = v.get<std::int64_t>();
  } else if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d)) {
      if (d > static_cast<double>(max)) {
        n = max + 1;
      } else if (d < static_cast<double>(min)) {
        n = min - 1;
      } else {
        n = static_cast<std::int64_t>(d);
      }
    }
  }
  const std::string range = " from " + std::to_string(min) + " to " + std::to_string(max);
  if (!n) {
    error(field, "invalid_type",
          field + " must be a whole number" + range + ", not " +
              (v.is_number() ? v.dump() : std::string(json_type_name(v))) + ".");
    return std::nullopt;
  }
  if (*n < min || *n > max) {
    error(field, "out_of_range", field + " must be" + range + "; it is " + v.dump() + ".");
    return std::nullopt;
  }
  return n;
}

const std::string* JsonShape::text(const json& v, const std::string& field, std::size_t max_chars,
                                   bool required_text) {
  if (!v.is_string()) {
    wrong_type(field, "a text", v);
    return nullptr;
  }
  const auto& s = v.get_ref<const std::string&>();
  if (required_text && blank(s)) {
    error(field, "required", field + " cannot be empty.");
    return nullptr;
  }
  const std::size_t chars = utf8_code_points(s);
  if (chars > max_chars) {
    error(field, "too_long",
          field + " can be at most " + std::to_string(max_chars) + " characters; it has " +
              std::to_string(chars) + ".");
    return nullptr;
  }
  return &s;
}

std::optional<TimeUnit> JsonShape::unit(const json& v, const std::string& field,
                                        TimeUnits allowed) {
  std::string names;
  for (const TimeUnit u : allowed)
    names += (names.empty() ? "\"" : ", \"") + std::string(time_unit_name(u)) + "\"";
  if (!v.is_string()) {
    wrong_type(field, "one of " + names, v);
    return std::nullopt;
  }
  const auto parsed = parse_time_unit(v.get_ref<const std::string&>());
  if (parsed && allowed.contains(*parsed)) return *parsed;
  error(field, "invalid_value", field + " must be one of " + names + "; it is " + v.dump() + ".");
  return std::nullopt;
}

const json* JsonShape::member(const json& obj, const char* key, const std::string& field,
                              bool required, const char* message) {
  const auto it = obj.find(key);
  if (it != obj.end() && !it->is_null()) return &*it;
  if (required) error(field, "required", message);
  return nullptr;
}

}  // namespace hookcast
