// JSON text on the per-render path: a string escaper that never emits invalid
// JSON, and a fast reader that parses a context into a flat arena (one vector
// of nodes, no maps, no per-key allocations) and answers path lookups.
// nlohmann/json stays at the edges; this is what runs once per user.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "buffer.hpp"

namespace hookcast {

/// Appends the JSON-string escape of `text` (without quotes) to `out`:
/// `"` and `\` are backslash-escaped, control characters become \n \r \t \b
/// \f or \u00XX, valid UTF-8 is copied as is, and every byte that is not part
/// of a valid UTF-8 sequence becomes U+FFFD. The result is always valid JSON
/// string content whatever the input bytes.
void append_json_escaped(Buffer& out, std::string_view text);
/// Like append_json_escaped, but every non-ASCII character becomes a \uXXXX
/// escape (a surrogate pair above U+FFFF), so the output is pure ASCII:
/// JavaScript decodes and parses one-byte strings markedly faster.
void append_json_escaped_ascii(Buffer& out, std::string_view text);
/// append_json_escaped into a std::string (off the hot path).
void append_json_escaped(std::string& out, std::string_view text);

/// Appends `text` as a quoted JSON string ("..." with append_json_escaped).
void append_json_string(Buffer& out, std::string_view text);
/// append_json_string into a std::string (off the hot path).
void append_json_string(std::string& out, std::string_view text);

/// Type of one JSON value in a JsonDoc.
enum class JsonType : std::uint8_t { kNull, kFalse, kTrue, kNumber, kString, kArray, kObject };

/// One value in a JsonDoc's arena. Nodes are stored in document order
/// (pre-order): a container's children follow it, and an object's children
/// alternate key (a kString node) and value.
struct JsonNode {
  JsonType type = JsonType::kNull;
  /// Strings: the content holds backslash escapes (decode before use).
  bool escaped = false;
  /// Strings: the content holds a \u escape of a lone surrogate, which
  /// decodes to U+FFFD (so the raw text is not copied into output as is).
  bool lone_surrogate = false;
  /// Strings: offset of the content (after the opening quote); numbers: the
  /// number text; containers: the opening bracket.
  std::uint32_t begin = 0;
  /// Length in bytes of the string content or number text.
  std::uint32_t length = 0;
  /// Index one past this node's subtree: the next sibling, if any.
  std::uint32_t next = 0;
  /// Arrays: number of elements; objects: number of members (key/value pairs).
  std::uint32_t count = 0;
};

/// Where and why a JSON text failed to parse.
struct JsonError {
  std::size_t offset = 0;  ///< byte offset of the offending byte
  std::string reason;      ///< short phrase: "expected ':'", "invalid escape", ...
};

/// A parsed JSON text. The document views the text it parsed: keep the text
/// alive while the document is used. parse() reuses the arena's capacity, so
/// one JsonDoc parsing many contexts allocates only while it grows.
class JsonDoc {
 public:
  /// Sentinel index meaning "no such node".
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

  /// Parses `text` (RFC 8259; a leading UTF-8 BOM is skipped, as nlohmann
  /// does). Strings must be valid UTF-8 without raw control characters.
  /// Unlike nlohmann, a \u escape of a lone surrogate is accepted and decodes
  /// to U+FFFD (JavaScript's JSON.stringify emits such escapes). Number
  /// magnitude is not checked: the text is kept as written. On failure returns
  /// false and fills `error` (when given). Root is node 0.
  bool parse(std::string_view text, JsonError* error = nullptr);

  /// Number of nodes (0 before a successful parse).
  std::size_t size() const { return nodes_.size(); }
  /// The node at `index` (must be < size()).
  const JsonNode& node(std::uint32_t index) const { return nodes_[index]; }
  /// The raw text of a string's content (escapes undecoded) or a number.
  std::string_view raw(std::uint32_t index) const {
    return text_.substr(nodes_[index].begin, nodes_[index].length);
  }
  /// The text this document parsed.
  std::string_view text() const { return text_; }

  /// The value of `key` in object `object` (the last one when a key repeats,
  /// as JSON.parse does), or kNone. `object` must be a kObject node.
  std::uint32_t find(std::uint32_t object, std::string_view key) const;

  /// Element `index` of array `array`; a negative index counts from the end
  /// (-1 is the last element). kNone when out of range.
  std::uint32_t element(std::uint32_t array, long long index) const;

  /// True when string node `index` decodes to exactly `expected`.
  bool string_equals(std::uint32_t index, std::string_view expected) const;

  /// Appends the decoded bytes of string node `index` (escapes resolved,
  /// surrogate pairs joined, lone surrogates as U+FFFD).
  void append_string(std::uint32_t index, Buffer& out) const;

  /// Appends the JSON-escaped content of string node `index` (no quotes),
  /// copying the raw text when it is already valid output.
  void append_string_escaped(std::uint32_t index, Buffer& out) const;

  /// Appends the compact JSON text of the subtree at `index` (no spaces;
  /// numbers as written; strings re-escaped only when needed).
  void append_compact(std::uint32_t index, Buffer& out) const;

  /// Length of string node `index` in UTF-16 code units, as JavaScript (and
  /// so liquidjs) counts `.size`.
  std::size_t utf16_length(std::uint32_t index) const;

 private:
  std::string_view text_;
  std::vector<JsonNode> nodes_;
  struct OpenContainer {
    std::uint32_t index;
    std::uint32_t count;
    bool object;
  };
  std::vector<OpenContainer> stack_;
  struct Frame {
    std::uint32_t end;
    bool object;
    std::uint32_t emitted;
  };
  mutable std::vector<Frame> frames_;
  mutable std::string scratch_;
};

}  // namespace hookcast
