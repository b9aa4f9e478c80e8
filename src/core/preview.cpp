#include "preview.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ascii.hpp"
#include "unicode.hpp"
#include "url.hpp"

namespace hookcast {
namespace {

using ascii::hex_value;
using ascii::iequals;

// POSIX single quoting: nothing is special inside '...' except the closing
// quote, so every byte but NUL (which no argv can hold) survives as is.
std::string sh_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

// A plain token (a method such as POST) reads better unquoted.
std::string sh_word(std::string_view s) {
  bool plain = !s.empty();
  for (char c : s)
    plain = plain && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_');
  return plain ? std::string(s) : sh_quote(s);
}

bool has_header(const HttpRequest& r, std::string_view name) {
  for (const auto& h : r.headers)
    if (iequals(h.first, name)) return true;
  return false;
}

bool blank(std::string_view v) { return ascii::trim_ows(v).empty(); }

// Decodes %XX; "+" stays "+" (the request is sent as is, and a webhook
// receiver is not a form). A decoding that is not UTF-8 would show as
// mojibake, so the still-encoded text is shown instead.
std::string percent_decode_for_display(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return is_valid_utf8(out) ? out : std::string(s);
}

}  // namespace

std::string to_curl(const HttpRequest& request) {
  // MAX_ARG_STRLEN is 32 pages (128 KiB) including the terminating NUL.
  constexpr std::size_t kMaxArgBytes = 128 * 1024 - 1;
  const char* const kNext = " \\\n  ";
  // --globoff: "[]{}" in the URL are not ranges; --path-as-is: "/../" is not
  // collapsed. Both keep curl from rewriting the URL that was rendered.
  std::string out = "curl --globoff --path-as-is";
  if (request.method != "GET" || request.body.has_value()) {
    out += kNext;
    out += "--request " + sh_word(request.method);
  }
  out += kNext;
  out += "--url " + sh_quote(request.url);
  for (const auto& h : request.headers) {
    out += kNext;
    // "Name:" with nothing after it tells curl to drop the header; "Name;"
    // is curl's spelling for a header sent with an empty value.
    out += "--header " + sh_quote(blank(h.second) ? h.first + ";" : h.first + ": " + h.second);
  }
  // Headers curl would add on its own; "Name:" removes them.
  if (!has_header(request, "User-Agent")) out += std::string(kNext) + "--header 'User-Agent:'";
  if (!has_header(request, "Accept")) out += std::string(kNext) + "--header 'Accept:'";
  if (request.body) {
    // With a body curl adds "Content-Type: application/x-www-form-urlencoded".
    if (!has_header(request, "Content-Type"))
      out += std::string(kNext) + "--header 'Content-Type:'";
    if (request.body->size() <= kMaxArgBytes) {
      // --data-raw sends the bytes as given, including a leading "@" (which
      // --data-binary would read as a file name) and newlines.
      out += kNext;
      out += "--data-raw " + sh_quote(*request.body);
    } else {
      // Linux refuses a single exec argument over 128 KiB, so a large body
      // goes through printf, a shell builtin (no exec), into curl's stdin.
      out += kNext;
      out += "--data-binary @-";
      out = "printf '%s' " + sh_quote(*request.body) + " |\n" + out;
    }
  }
  return out;
}

std::vector<TableRow> to_table(const HttpRequest& request) {
  std::vector<TableRow> rows;
  rows.push_back({"request", "method", request.method});
  rows.push_back({"request", "url", request.url});
  UrlLayout layout;
  if (split_url(request.url, layout) && layout.has_query) {
    const std::string_view query =
        std::string_view(request.url)
            .substr(layout.query_begin, layout.query_end - layout.query_begin);
    for_each_query_pair(query, [&](std::string_view key, std::string_view value) {
      rows.push_back(
          {"params", percent_decode_for_display(key), percent_decode_for_display(value)});
    });
  }
  for (const auto& h : request.headers) rows.push_back({"headers", h.first, h.second});
  if (request.body) rows.push_back({"body", "body", *request.body});
  return rows;
}

}  // namespace hookcast
