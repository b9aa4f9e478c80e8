// The personalization language: a Liquid subset parsed once per field.
//
//   {{ user.account_name | default: "John Doe" }}   {{ event.product_id }}
//   {{ user.id }}  {{ event.key }}  {{ user.address.city }}  {{ user["first name"] }}
//   {{ user.items[0] }}  {{ user.items.size }}  {{ user.items.first }}  {{- user.x -}}
//
// Placeholders are found in the raw text first (as Liquid does), so quotes
// around or inside them never confuse the parser. Only output tags `{{ }}`
// exist: `{% %}` tags are refused. A stray `}}` is literal text.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "problem.hpp"

namespace hookcast {

/// Which part of the context a variable reads.
enum class VariableSource { kUser, kEvent };

/// "user" or "event".
const char* variable_source_name(VariableSource source);

/// The literal of a `default:` filter: the fallback text.
struct Fallback {
  enum class Kind { kString, kNumber };
  Kind kind = Kind::kString;
  /// The text as it renders: a string's content (no quotes, no escapes: Liquid
  /// string literals have none) or a number as written (`42`, `-1.5`).
  std::string text;
};

/// One step of a variable path after the root.
struct PathSegment {
  enum class Kind {
    kKey,    ///< `.name` or `["name"]`; `size`/`first`/`last` act on arrays (Liquid)
    kIndex,  ///< `[3]` or `[-1]` (negative counts from the end)
  };
  Kind kind = Kind::kKey;
  std::string key;       ///< for kKey
  long long index = 0;   ///< for kIndex
  bool bracket = false;  ///< written as `["..."]` (display only)
};

/// One `{{ ... }}` placeholder.
struct VariableRef {
  VariableSource source = VariableSource::kUser;
  /// The path after the root. `user.id` and `event.key` read the context's
  /// user id / event key when the first segment is "id" / "key"; every other
  /// path reads the user's / event's properties.
  std::vector<PathSegment> path;
  std::optional<Fallback> fallback;
  /// Byte range of the whole tag in the field text, `{{` through `}}`.
  std::size_t begin = 0, end = 0;
  /// Whitespace control: `{{-` strips whitespace before, `-}}` after.
  bool strip_before = false, strip_after = false;
  /// Canonical name after the root: `address.city`, `["first name"]`, `items[0]`.
  std::string name;
  /// True when this reads context.user.id / context.event.key.
  bool is_builtin() const;
};

/// A piece of a parsed field: literal text or a placeholder, in order.
struct TemplatePiece {
  enum class Kind { kText, kVariable };
  Kind kind = Kind::kText;
  /// kText: the literal bytes after whitespace control.
  std::string text;
  /// kText: byte range of `text` in the field (whitespace control only trims
  /// the ends, so the kept text is contiguous).
  std::size_t begin = 0, end = 0;
  /// kVariable: the placeholder.
  VariableRef variable;
};

/// A parsed field: ordered pieces. Adjacent literals never repeat (one text
/// piece between two placeholders at most); empty literals are omitted.
struct Template {
  std::vector<TemplatePiece> pieces;
  /// True when the field has no placeholder.
  bool is_static() const;
  /// The placeholders in order of appearance.
  std::vector<const VariableRef*> variables() const;
};

/// Parses `text` (the value of field `field`, e.g. "url" or "headers[0].value").
/// Appends one problem per bad tag to `problems`, with the 1-based position
/// (line and column for multi-line text; columns count code points). Error
/// codes: unclosed_tag, unsupported_tag, empty_tag, unknown_variable,
/// invalid_variable, unknown_filter, invalid_filter_argument, too_many_filters.
/// Returns the pieces it could parse (a bad tag becomes literal text, so
/// callers that continue after errors see every good placeholder).
Template parse_template(std::string_view text, std::string_view field, Problems& problems);

/// "line 2, column 5" for multi-line text, "column 5" otherwise, for the byte
/// `offset` of `text` (columns count code points, 1-based).
std::string describe_position(std::string_view text, std::size_t offset);

/// The placeholder as a person wrote it, normalised: `user.address.city`.
std::string variable_display(const VariableRef& variable);

}  // namespace hookcast
