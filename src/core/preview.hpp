// Review views of a rendered request: a shell command and table rows.
#pragma once

#include <string>
#include <vector>

#include "request.hpp"

namespace hookcast {

/// One POSIX-shell-safe curl command that sends exactly `request`: method,
/// URL (no globbing, path as is), each header byte for byte (empty values
/// included), curl's own User-Agent/Accept suppressed unless the request sets
/// them, and the body bytes verbatim.
std::string to_curl(const HttpRequest& request);

struct TableRow {
  std::string section;  ///< "request" | "params" | "headers" | "body"
  std::string key;
  std::string value;
};

/// Rows the dashboard shows: request (method, url), params (decoded query
/// pairs of the URL), headers, body.
std::vector<TableRow> to_table(const HttpRequest& request);

}  // namespace hookcast
