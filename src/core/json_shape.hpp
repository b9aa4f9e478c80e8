// Reading a JSON body that a person or a program sent, one field at a time,
// with a located problem for every field of the wrong type or range: the
// shared vocabulary of the campaign and frequency-capping shape checks.
//
// Codes: `invalid_type` (wrong JSON type), `required` (missing, null or
// blank where a value is needed), `out_of_range` (a number outside its
// range), `invalid_value` (not one of the allowed words), `too_long`,
// `unknown_field` (a member the object does not have).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "calendar.hpp"
#include "problem.hpp"

namespace hookcast {

/// Deepest nesting of arrays and objects the core reads (the document itself
/// is level 1); the edge holds request bodies to the same bound. A valid
/// input needs about 70 at most (a cohort rule 32 groups deep).
constexpr int kMaxJsonDepth = 100;

/// What parse_json() read: the document (discarded when the text is not
/// JSON or nests too deep) and, when it nests past kMaxJsonDepth, where:
/// the object keys leading there, dotted ("send.where"; "" at the top).
struct ParsedJson {
  nlohmann::json doc;
  bool too_deep = false;
  std::string deep_at;
};

/// Parses `text` without exceptions and without recursion, refusing
/// nesting past kMaxJsonDepth, so nothing that later walks the document
/// (dump, copy, compare: nlohmann recurses) recurses without a bound.
ParsedJson parse_json(std::string_view text);

/// "a text", "a number", "a list", ... for messages.
const char* json_type_name(const nlohmann::json& value);

/// `object.find(key)` through one function: nlohmann's find() is a template
/// on the key's type, so each string literal length would instantiate it
/// anew (wasm size).
nlohmann::json::const_iterator find_member(const nlohmann::json& object, const char* key);

/// Collects the problems of one body; each reader reports its own and
/// returns nullopt/nullptr/false when the value cannot be used.
class JsonShape {
 public:
  explicit JsonShape(Problems& out) : out_(out) {}

  /// Adds an error.
  void error(std::string field, const char* code, std::string message);

  /// `invalid_type`: "<field> must be <expected>, not <what it is>."
  void wrong_type(const std::string& field, const std::string& expected, const nlohmann::json& got);

  /// True when `value` is an object; else `invalid_type`.
  bool object(const nlohmann::json& value, const std::string& field, const char* expected);

  /// Every member of `object` not in `known` is `unknown_field` at
  /// "<base>.<member>" (or "<member>" when base is empty).
  void only(const nlohmann::json& object, const std::string& base,
            std::initializer_list<const char*> known, const char* what);

  /// A whole number (3 and 3.0 alike) in [min, max].
  std::optional<std::int64_t> integer(const nlohmann::json& value, const std::string& field,
                                      std::int64_t min, std::int64_t max);

  /// A string of at most `max_chars` characters; with `required_text`, not
  /// blank. Points into `value`.
  const std::string* text(const nlohmann::json& value, const std::string& field,
                          std::size_t max_chars, bool required_text);

  /// A unit name among `allowed`.
  std::optional<TimeUnit> unit(const nlohmann::json& value, const std::string& field,
                               TimeUnits allowed);

  /// Member `key` of `object` unless absent or null; when `required`, its
  /// absence is `required` at `field` with `message`.
  const nlohmann::json* member(const nlohmann::json& object, const char* key,
                               const std::string& field, bool required, const char* message = "");

 private:
  Problems& out_;
};

}  // namespace hookcast
