// The data that flows through the core: a webhook spec as the marketer wrote
// it, and a fully rendered HTTP request as it goes on the wire.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hookcast {

/// One row of the params or headers table.
struct KeyValue {
  std::string key;
  std::string value;
};

/// The request template: every string may hold personalization placeholders.
struct WebhookSpec {
  std::string url;
  std::string method;  ///< GET, POST, PUT, PATCH or DELETE (validated, not assumed)
  std::vector<KeyValue> params;
  std::vector<KeyValue> headers;
  std::optional<std::string> body;  ///< absent or empty means "no body"
};

/// Switches that a deployment sets; all off by default.
struct Options {
  /// Allows http:// and loopback destinations (127.0.0.0/8, ::1, localhost)
  /// for local development only. Private, link-local and metadata addresses
  /// stay refused even then.
  bool allow_local_http = false;
};

/// A rendered request, exactly what is sent (and what the cURL preview sends).
struct HttpRequest {
  std::string method;
  std::string url;  ///< absolute, normalised, fragment removed
  std::vector<std::pair<std::string, std::string>> headers;  ///< in send order
  std::optional<std::string> body;                           ///< nullopt: no body (always for GET)
};

}  // namespace hookcast
