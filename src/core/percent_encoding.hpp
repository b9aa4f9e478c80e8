// Percent-encoding (RFC 3986), the one place: which bytes a URL component
// keeps, and the encoder every personalization value and params row goes
// through. Path segments and query components use the same encoder: only
// unreserved bytes stay, so no value can add a "/", "?", "&", "=" or "#".
#pragma once

#include <string>
#include <string_view>

#include "buffer.hpp"

namespace hookcast {

/// RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~".
struct UnreservedTable {
  bool keep[256];
  constexpr UnreservedTable() : keep() {
    for (int c = 0; c < 256; ++c)
      keep[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '.' || c == '_' || c == '~';
  }
};
inline constexpr UnreservedTable kUnreserved;

/// True for an RFC 3986 unreserved byte.
inline bool is_unreserved(unsigned char c) { return kUnreserved.keep[c]; }

/// True for an RFC 3986 reserved byte (gen-delims and sub-delims).
inline bool is_reserved(unsigned char c) {
  switch (c) {
    case ':':
    case '/':
    case '?':
    case '#':
    case '[':
    case ']':
    case '@':  // gen-delims
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':  // sub-delims
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
      return true;
    default:
      return false;
  }
}

inline constexpr char kHexUpper[] = "0123456789ABCDEF";

/// Appends byte `c` as "%XX" (uppercase hex).
inline void append_percent_byte(std::string& out, unsigned char c) {
  out += '%';
  out += kHexUpper[c >> 4];
  out += kHexUpper[c & 0xF];
}

/// Appends `value` with every byte but the unreserved ones as %XX, straight
/// into `out` (the render's hot path: no temporary).
HOOKCAST_INLINE void append_percent_encoded(Buffer& out, std::string_view value) {
  char* const begin = out.tail(value.size() * 3);
  char* w = begin;
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (kUnreserved.keep[c]) {
      *w++ = ch;
    } else {
      w[0] = '%';
      w[1] = kHexUpper[c >> 4];
      w[2] = kHexUpper[c & 0xF];
      w += 3;
    }
  }
  out.commit(static_cast<std::size_t>(w - begin));
}

/// `value` percent-encoded for a URL path segment or a query component (a
/// params key or value): append_percent_encoded into a string.
inline std::string percent_encode(std::string_view value) {
  Buffer b;
  append_percent_encoded(b, value);
  return b.str();
}

}  // namespace hookcast
