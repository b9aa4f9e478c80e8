// Locale-free ASCII character helpers (<cctype> depends on the C locale),
// shared by every parser of the core.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hookcast::ascii {

/// True for '0'..'9'.
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// True for 'a'..'z' and 'A'..'Z'.
inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/// Value of a hexadecimal digit, or -1 when `c` is not one.
inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// `c` with 'A'..'Z' mapped to 'a'..'z'; every other byte unchanged.
inline char to_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// `c` with 'a'..'z' mapped to 'A'..'Z'; every other byte unchanged.
inline char to_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

/// `text` with ASCII letters lowercased (other bytes, UTF-8 included, kept).
inline std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = to_lower(c);
  return out;
}

/// `text` with ASCII letters uppercased (other bytes kept).
inline std::string uppercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = to_upper(c);
  return out;
}

/// `text` without leading and trailing spaces and tabs (RFC 9110's OWS):
/// how header values and Retry-After are read and sent.
inline std::string_view trim_ows(std::string_view text) {
  std::size_t b = 0, e = text.size();
  while (b < e && (text[b] == ' ' || text[b] == '\t')) ++b;
  while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\t')) --e;
  return text.substr(b, e - b);
}

/// ASCII case-insensitive equality (header names, date tokens).
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  return true;
}

}  // namespace hookcast::ascii
