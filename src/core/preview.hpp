// Review views of a rendered request: a shell command and table rows.
#pragma once

#include <string>
#include <vector>

#include "request.hpp"

namespace hookcast {

/// One POSIX-shell-safe curl command that sends exactly `request`: method,
/// URL (no globbing, path as is), each header byte for byte (empty values
/// included), curl's own User-Agent/Accept suppressed unless the request sets
/// them, and the body bytes verbatim (--data-raw, so a leading "@" is not a
/// file name; curl's form Content-Type suppressed unless one is set). Every
/// value is single-quoted, so no byte is interpreted by the shell; a NUL byte
/// cannot be carried by any shell argument (rendering never produces one).
/// The kernel caps one exec argument at 128 KiB, so a larger body is piped
/// in from the shell builtin printf (`printf '%s' '…' | curl … --data-binary @-`).
std::string to_curl(const HttpRequest& request);

struct TableRow {
  std::string section;  ///< "request" | "params" | "headers" | "body"
  std::string key;
  std::string value;
};

/// Rows the dashboard shows: request (method, url), params (decoded query
/// pairs of the URL, "%XX" decoded, "+" kept; a pair whose decoding is not
/// UTF-8 is shown still encoded), headers, body (absent for a null body).
std::vector<TableRow> to_table(const HttpRequest& request);

}  // namespace hookcast
