#include "json_text.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "ascii.hpp"
#include "unicode.hpp"

namespace hookcast {
namespace {

// Bytes that need no second look inside a JSON string, when escaping or
// scanning one: printable ASCII other than '"' and '\\'.
struct PlainTable {
  bool plain[256];
  constexpr PlainTable() : plain() {
    for (int c = 0x20; c < 0x80; ++c) plain[c] = (c != '"' && c != '\\');
  }
};
constexpr PlainTable kPlain;

const char kHex[] = "0123456789abcdef";

// Marks, in the high bit of each byte, the bytes at p that need attention in
// a JSON string: control bytes, '"', '\\' and non-ASCII (SWAR, 8 bytes a
// step). Only the lowest mark is exact (borrows may mark bytes above it), which
// is all the callers use.
HOOKCAST_INLINE std::uint64_t special8(const unsigned char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
  const std::uint64_t below_space = (v - kOnes * 0x20) & ~v;
  const std::uint64_t q = v ^ (kOnes * '"');
  const std::uint64_t quote = (q - kOnes) & ~q;
  const std::uint64_t b = v ^ (kOnes * '\\');
  const std::uint64_t backslash = (b - kOnes) & ~b;
  return (below_space | quote | backslash | v) & kHighs;
}

// Index of the first marked byte of a non-zero special8() mask (bytes are
// loaded little-endian, as on x86 and wasm).
HOOKCAST_INLINE std::size_t first_marked(std::uint64_t mask) {
  return static_cast<std::size_t>(__builtin_ctzll(mask)) >> 3;
}

using ascii::hex_value;

// Reads 4 hex digits at s (caller checked the length); -1 when not hex.
HOOKCAST_INLINE long read_hex4(const char* s) {
  long v = 0;
  for (int i = 0; i < 4; ++i) {
    const int h = hex_value(s[i]);
    if (h < 0) return -1;
    v = (v << 4) | h;
  }
  return v;
}

HOOKCAST_INLINE bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Decodes a validated JSON string body (escapes known to be well formed).
void decode_into(std::string_view raw, std::string& out) {
  const char* s = raw.data();
  const std::size_t n = raw.size();
  std::size_t i = 0;
  while (i < n) {
    std::size_t run = i;
    while (run < n && s[run] != '\\') ++run;
    out.append(s + i, run - i);
    i = run;
    if (i >= n) break;
    const char e = s[i + 1];
    i += 2;
    switch (e) {
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        std::uint32_t cp = static_cast<std::uint32_t>(read_hex4(s + i));
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') {
            const long lo = read_hex4(s + i + 2);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<std::uint32_t>(lo) - 0xDC00);
              i += 6;
            } else {
              cp = 0xFFFD;
            }
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD;
        }
        append_utf8(out, cp);
        break;
      }
      default:
        out.push_back(e);
        break;  // '"', '\\', '/'
    }
  }
}

}  // namespace

namespace {

HOOKCAST_INLINE char* write_u_escape(char* w, std::uint32_t unit) {
  w[0] = '\\';
  w[1] = 'u';
  w[2] = kHex[(unit >> 12) & 0xF];
  w[3] = kHex[(unit >> 8) & 0xF];
  w[4] = kHex[(unit >> 4) & 0xF];
  w[5] = kHex[unit & 0xF];
  return w + 6;
}

template <bool kAscii>
void escape_into(Buffer& out, std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  // Worst case 6 output bytes per input byte (\u00XX); reserving once keeps
  // the loop free of capacity checks.
  char* const begin = out.tail(n * 6);
  char* w = begin;
  std::size_t i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      const std::uint64_t mask = special8(s + i);
      std::memcpy(w, s + i, 8);  // the bytes past a special one are rewritten below
      if (mask == 0) {
        w += 8;
        i += 8;
        continue;
      }
      const std::size_t skip = first_marked(mask);
      w += skip;
      i += skip;
    }
    const unsigned char c = s[i];
    if (kPlain.plain[c]) {
      *w++ = static_cast<char>(c);
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const std::size_t len = utf8_sequence_length(s + i, n - i);
      if (kAscii) {
        // At most 6 output bytes per input byte here too (\uXXXX for 2+ bytes).
        std::uint32_t cp = 0xFFFD;
        if (len == 2) {
          cp = ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
        } else if (len == 3) {
          cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
        } else if (len == 4) {
          cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) |
               (s[i + 3] & 0x3Fu);
        }
        if (cp >= 0x10000) {
          w = write_u_escape(w, 0xD800 + ((cp - 0x10000) >> 10));
          w = write_u_escape(w, 0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
          w = write_u_escape(w, cp);
        }
        i += len ? len : 1;
        continue;
      }
      if (len == 0) {
        std::memcpy(w, "\xEF\xBF\xBD", 3);
        w += 3;
        ++i;
      } else {
        std::memcpy(w, s + i, len);
        w += len;
        i += len;
      }
      continue;
    }
    *w++ = '\\';
    switch (c) {
      case '"':
        *w++ = '"';
        break;
      case '\\':
        *w++ = '\\';
        break;
      case '\n':
        *w++ = 'n';
        break;
      case '\r':
        *w++ = 'r';
        break;
      case '\t':
        *w++ = 't';
        break;
      case '\b':
        *w++ = 'b';
        break;
      case '\f':
        *w++ = 'f';
        break;
      default:
        *w++ = 'u';
        *w++ = '0';
        *w++ = '0';
        *w++ = kHex[c >> 4];
        *w++ = kHex[c & 0xF];
    }
    ++i;
  }
  out.commit(static_cast<std::size_t>(w - begin));
}

}  // namespace

void append_json_escaped(Buffer& out, std::string_view text) { escape_into<false>(out, text); }

void append_json_escaped_ascii(Buffer& out, std::string_view text) { escape_into<true>(out, text); }

void append_json_escaped(std::string& out, std::string_view text) {
  Buffer b;
  append_json_escaped(b, text);
  out.append(b.data(), b.size());
}

void append_json_string(Buffer& out, std::string_view text) {
  out.push_back('"');
  append_json_escaped(out, text);
  out.push_back('"');
}

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  append_json_escaped(out, text);
  out.push_back('"');
}

namespace {

// ---- the reader's scanners: each reads one token at p and moves p past it,
// or returns the reason it cannot (p then at the offending byte). The state
// machine in JsonDoc::parse below only decides what comes next.

HOOKCAST_INLINE void skip_ws(const char* s, std::size_t n, std::size_t& p) {
  while (p < n && is_ws(s[p])) ++p;
}

// true, false or null at p (whose first letter is t, f or n).
HOOKCAST_INLINE const char* scan_word(const char* s, std::size_t n, std::size_t& p,
                                      JsonNode& node) {
  const char* word = s[p] == 't' ? "true" : s[p] == 'f' ? "false" : "null";
  const std::size_t len = std::strlen(word);
  if (n - p < len || std::memcmp(s + p, word, len) != 0)
    return "unexpected word, expected true, false or null";
  node.type = s[p] == 't' ? JsonType::kTrue : s[p] == 'f' ? JsonType::kFalse : JsonType::kNull;
  node.length = static_cast<std::uint32_t>(len);
  p += len;
  return nullptr;
}

// A number at p (RFC 8259 grammar); one that overflows a double is refused,
// as nlohmann refuses it (p back at its start).
HOOKCAST_INLINE const char* scan_number(const char* s, std::size_t n, std::size_t& p) {
  const std::size_t start = p;
  if (s[p] == '-') ++p;
  if (p >= n || s[p] < '0' || s[p] > '9')
    return start == p ? "unexpected character, a value was expected" : "invalid number";
  if (s[p] == '0') {
    ++p;
  } else {
    while (p < n && s[p] >= '0' && s[p] <= '9') ++p;
  }
  if (p < n && s[p] == '.') {
    ++p;
    if (p >= n || s[p] < '0' || s[p] > '9')
      return "invalid number: a digit must follow the decimal point";
    while (p < n && s[p] >= '0' && s[p] <= '9') ++p;
  }
  bool exponent = false;
  if (p < n && (s[p] == 'e' || s[p] == 'E')) {
    exponent = true;
    ++p;
    if (p < n && (s[p] == '+' || s[p] == '-')) ++p;
    if (p >= n || s[p] < '0' || s[p] > '9')
      return "invalid number: a digit must follow the exponent";
    while (p < n && s[p] >= '0' && s[p] <= '9') ++p;
  }
  // Keep parity with nlohmann (and so with every consumer that parses the
  // rendered body): a number that overflows a double is refused.
  if (exponent || p - start > 300) {
    const std::string copy(s + start, p - start);
    if (!std::isfinite(std::strtod(copy.c_str(), nullptr))) {
      p = start;
      return "number too large";
    }
  }
  return nullptr;
}

// A string whose opening quote is at p: fills node's type, begin, length,
// escaped and lone_surrogate, and leaves p after the closing quote.
HOOKCAST_INLINE const char* scan_string(const unsigned char* u, std::size_t n, std::size_t& p,
                                        JsonNode& node) {
  const char* s = reinterpret_cast<const char*>(u);
  node.type = JsonType::kString;
  ++p;
  node.begin = static_cast<std::uint32_t>(p);
  for (;;) {
    // Skip plain bytes, eight at a time where there are eight.
    for (;;) {
      if (p + 8 <= n) {
        const std::uint64_t mask = special8(u + p);
        if (mask == 0) {
          p += 8;
          continue;
        }
        p += first_marked(mask);
        break;
      }
      while (p < n && kPlain.plain[u[p]]) ++p;
      break;
    }
    if (p >= n) return "unterminated string";
    const unsigned char c = u[p];
    if (c == '"') break;
    if (c == '\\') {
      node.escaped = true;
      if (p + 1 >= n) return "unterminated string";
      const char e = s[p + 1];
      if (e == 'u') {
        if (n - p < 6) return "invalid \\u escape";
        const long cp = read_hex4(s + p + 2);
        if (cp < 0) return "invalid \\u escape";
        p += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          long lo = -1;
          if (n - p >= 6 && s[p] == '\\' && s[p + 1] == 'u') lo = read_hex4(s + p + 2);
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            p += 6;
          } else {
            node.lone_surrogate = true;
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          node.lone_surrogate = true;
        }
        continue;
      }
      if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
          e == 't') {
        p += 2;
        continue;
      }
      return "invalid escape in string";
    }
    if (c < 0x20) return "control character in string (escape it)";
    const std::size_t len = utf8_sequence_length(u + p, n - p);
    if (len == 0) return "invalid UTF-8 in string";
    p += len;
  }
  node.length = static_cast<std::uint32_t>(p - node.begin);
  ++p;
  return nullptr;
}

}  // namespace

bool JsonDoc::parse(std::string_view text, JsonError* error) {
  nodes_.clear();
  stack_.clear();
  text_ = text;
  const char* s = text.data();
  const auto* u = reinterpret_cast<const unsigned char*>(s);
  const std::size_t n = text.size();
  std::size_t p = 0;
  const char* reason = nullptr;
  bool pending_key = false;
  // The innermost open container, kept in locals (the stack holds the outer ones).
  std::uint32_t top = kNone;
  bool in_object = false;
  std::uint32_t count = 0;

  if (n >= 0xFFFFFFF0u) {
    reason = "the text is too large";
    goto fail;
  }
  if (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) p = 3;

  // A small state machine instead of recursion: depth is bounded only by
  // memory, never by the call stack (wasm stacks are small).
value:
  skip_ws(s, n, p);
  if (p >= n) {
    reason = "unexpected end of text, a value was expected";
    goto fail;
  }
  {
    if (top != kNone && !in_object) ++count;
    const auto index = static_cast<std::uint32_t>(nodes_.size());
    JsonNode node;
    node.begin = static_cast<std::uint32_t>(p);
    switch (s[p]) {
      case '{':
      case '[': {
        const bool object = s[p] == '{';
        node.type = object ? JsonType::kObject : JsonType::kArray;
        nodes_.push_back(node);
        ++p;
        skip_ws(s, n, p);
        if (p < n && s[p] == (object ? '}' : ']')) {
          ++p;
          nodes_[index].next = index + 1;
          goto after;
        }
        stack_.push_back(OpenContainer{top, count, in_object});
        top = index;
        count = 0;
        in_object = object;
        if (object) goto key;
        goto value;
      }
      case '"':
        goto string;
      case 't':
      case 'f':
      case 'n': {
        reason = scan_word(s, n, p, node);
        if (reason) goto fail;
        node.next = index + 1;
        nodes_.push_back(node);
        goto after;
      }
      default: {
        const std::size_t start = p;
        reason = scan_number(s, n, p);
        if (reason) goto fail;
        node.type = JsonType::kNumber;
        node.length = static_cast<std::uint32_t>(p - start);
        node.next = index + 1;
        nodes_.push_back(node);
        goto after;
      }
    }
  }

key:
  skip_ws(s, n, p);
  if (p >= n || s[p] != '"') {
    reason = "expected a key in double quotes";
    goto fail;
  }
  ++count;
  pending_key = true;  // the key is a string node; ':' and the value follow it
  goto string;

string : {
  JsonNode node;
  reason = scan_string(u, n, p, node);
  if (reason) goto fail;
  node.next = static_cast<std::uint32_t>(nodes_.size()) + 1;
  nodes_.push_back(node);
}
  if (pending_key) {
    pending_key = false;
    skip_ws(s, n, p);
    if (p >= n || s[p] != ':') {
      reason = "expected ':' after the key";
      goto fail;
    }
    ++p;
    goto value;
  }

after:
  if (top == kNone) {
    skip_ws(s, n, p);
    if (p != n) {
      reason = "unexpected text after the JSON value";
      goto fail;
    }
    return true;
  }
  {
    const bool object = in_object;
    skip_ws(s, n, p);
    if (p >= n) {
      reason = object ? "unexpected end of text, expected ',' or '}'"
                      : "unexpected end of text, expected ',' or ']'";
      goto fail;
    }
    if (s[p] == ',') {
      ++p;
      if (object) goto key;
      goto value;
    }
    if (s[p] == (object ? '}' : ']')) {
      ++p;
      nodes_[top].next = static_cast<std::uint32_t>(nodes_.size());
      nodes_[top].count = count;
      top = stack_.back().index;
      count = stack_.back().count;
      in_object = stack_.back().object;
      stack_.pop_back();
      goto after;
    }
    reason = object ? "expected ',' or '}'" : "expected ',' or ']'";
    goto fail;
  }

fail:
  if (error) {
    error->offset = p;
    error->reason = reason;
  }
  nodes_.clear();
  return false;
}

std::uint32_t JsonDoc::find(std::uint32_t object, std::string_view key) const {
  std::uint32_t found = kNone;
  const std::uint32_t end = nodes_[object].next;
  std::uint32_t i = object + 1;
  while (i < end) {
    const JsonNode& k = nodes_[i];
    if (k.escaped) {
      if (string_equals(i, key)) found = i + 1;
    } else if (k.length == key.size()) {
      // Keys are short: an inline loop beats a memcmp call.
      const char* a = text_.data() + k.begin;
      std::size_t j = 0;
      while (j < key.size() && a[j] == key[j]) ++j;
      if (j == key.size()) found = i + 1;
    }
    i = nodes_[i + 1].next;
  }
  return found;
}

std::uint32_t JsonDoc::element(std::uint32_t array, long long index) const {
  const long long count = nodes_[array].count;
  if (index < 0) index += count;
  if (index < 0 || index >= count) return kNone;
  std::uint32_t i = array + 1;
  for (long long k = 0; k < index; ++k) i = nodes_[i].next;
  return i;
}

bool JsonDoc::string_equals(std::uint32_t index, std::string_view expected) const {
  const JsonNode& node = nodes_[index];
  if (!node.escaped) return raw(index) == expected;
  scratch_.clear();
  decode_into(raw(index), scratch_);
  return scratch_ == expected;
}

void JsonDoc::append_string(std::uint32_t index, Buffer& out) const {
  const JsonNode& node = nodes_[index];
  if (!node.escaped) {
    out.append(text_.data() + node.begin, node.length);
    return;
  }
  scratch_.clear();
  decode_into(raw(index), scratch_);
  out.append(scratch_);
}

void JsonDoc::append_string_escaped(std::uint32_t index, Buffer& out) const {
  const JsonNode& node = nodes_[index];
  // The parser proved the raw text valid (UTF-8, escapes, no raw controls);
  // only a lone surrogate escape must be rewritten so the output is strict JSON.
  if (!node.lone_surrogate) {
    out.append(text_.data() + node.begin, node.length);
    return;
  }
  scratch_.clear();
  decode_into(raw(index), scratch_);
  append_json_escaped(out, scratch_);
}

void JsonDoc::append_compact(std::uint32_t index, Buffer& out) const {
  const std::uint32_t end = nodes_[index].next;
  frames_.clear();
  std::uint32_t i = index;
  while (i < end) {
    while (!frames_.empty() && frames_.back().end == i) {
      out.push_back(frames_.back().object ? '}' : ']');
      frames_.pop_back();
    }
    if (!frames_.empty()) {
      Frame& f = frames_.back();
      if (f.object && (f.emitted & 1u))
        out.push_back(':');
      else if (f.emitted)
        out.push_back(',');
      ++f.emitted;
    }
    const JsonNode& node = nodes_[i];
    switch (node.type) {
      case JsonType::kNull:
        out.append("null");
        break;
      case JsonType::kFalse:
        out.append("false");
        break;
      case JsonType::kTrue:
        out.append("true");
        break;
      case JsonType::kNumber:
        out.append(text_.data() + node.begin, node.length);
        break;
      case JsonType::kString:
        out.push_back('"');
        append_string_escaped(i, out);
        out.push_back('"');
        break;
      case JsonType::kArray:
      case JsonType::kObject: {
        const bool object = node.type == JsonType::kObject;
        out.push_back(object ? '{' : '[');
        if (node.next == i + 1) {
          out.push_back(object ? '}' : ']');
        } else {
          frames_.push_back(Frame{node.next, object, 0});
        }
        break;
      }
    }
    ++i;
  }
  while (!frames_.empty()) {
    out.push_back(frames_.back().object ? '}' : ']');
    frames_.pop_back();
  }
}

std::size_t JsonDoc::utf16_length(std::uint32_t index) const {
  std::string_view bytes = raw(index);
  if (nodes_[index].escaped) {
    scratch_.clear();
    decode_into(bytes, scratch_);
    bytes = scratch_;
  }
  std::size_t units = 0;
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) != 0x80) ++units;  // a code point starts here
    if (c >= 0xF0) ++units;           // four-byte sequences are surrogate pairs
  }
  return units;
}

}  // namespace hookcast
