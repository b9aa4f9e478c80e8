// URL structure, host canonicalisation and the SSRF address classes.
// A host is judged after canonicalisation, so every spelling of an address
// (decimal, hex, octal, short, IPv6, IPv4-mapped, full-width digits) lands
// in the same class.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "problem.hpp"
#include "request.hpp"

namespace hookcast {

/// What a destination host is, for the SSRF guard.
enum class AddressClass {
  kPublic,       ///< a public name or address: allowed
  kLoopback,     ///< 127.0.0.0/8, ::1, "localhost", "*.localhost"
  kPrivate,      ///< 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10
  kLinkLocal,    ///< 169.254/16, fe80::/10
  kCgnat,        ///< 100.64/10
  kMetadata,     ///< 169.254.169.254, fd00:ec2::254, metadata.google.internal, ...
  kUnspecified,  ///< 0.0.0.0/8, ::
  kMulticast,    ///< 224/4, ff00::/8
  kReserved,     ///< 240/4, broadcast, benchmarking, documentation and other special ranges
};

/// Stable short name of a class: "public", "loopback", "private", "link-local",
/// "cgnat", "metadata", "unspecified", "multicast" or "reserved".
const char* address_class_name(AddressClass c);

enum class HostKind { kName, kIpv4, kIpv6 };

/// Byte ranges of an absolute URL's parts, as offsets into the parsed text.
/// A range [begin, end) is empty when the part is absent; `has_query` and
/// `has_fragment` tell "absent" from "present but empty".
struct UrlLayout {
  std::size_t scheme_end = 0;       ///< text[0, scheme_end) is the scheme
  std::size_t authority_begin = 0;  ///< after "//"
  std::size_t authority_end = 0;    ///< userinfo@host:port
  std::size_t path_begin = 0, path_end = 0;
  bool has_query = false;
  std::size_t query_begin = 0, query_end = 0;  ///< after '?'
  bool has_fragment = false;
  std::size_t fragment_begin = 0, fragment_end = 0;  ///< after '#'
};

/// Splits "scheme://authority/path?query#fragment" at WHATWG's delimiters
/// ("/", "?", "#" and, as for http(s), "\\" end the authority) without
/// judging any part: the one URL splitter, used by parse_url after its
/// checks and by the compiler on a template whose host may be a
/// placeholder. False (layout untouched) when `text` has no "://".
bool split_url(std::string_view text, UrlLayout& layout);

/// Calls fn(key, value) for each "&"-separated "key=value" pair of a raw
/// query (the text after "?"), in order, still percent-encoded; empty pairs
/// are skipped and a pair without "=" has an empty value.
template <typename Fn>
void for_each_query_pair(std::string_view query, Fn fn) {
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view pair = query.substr(start, amp - start);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      fn(pair.substr(0, eq),
         eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    }
    start = amp + 1;
  }
}

/// Result of parsing an absolute http(s) URL.
struct ParsedUrl {
  bool ok = false;
  std::string code;     ///< on failure: "url_required", "invalid_url", "https_required",
                        ///< "host_required", "invalid_host", "invalid_port", "credentials_in_url",
                        ///< "private_address"
  std::string message;  ///< on failure: a sentence for a marketer
  UrlLayout layout;
  std::string scheme;  ///< lowercase, "https" or "http"
  std::string host;    ///< canonical: lowercase ASCII (punycode for IDN), dotted IPv4, "[v6]"
  std::string port;    ///< "" when absent or the scheme's default
  HostKind host_kind = HostKind::kName;
  AddressClass address_class = AddressClass::kPublic;
  /// This machine as a destination names it: 127.0.0.0/8 written as IPv4,
  /// [::1], or a localhost name. The only hosts allow_local_http opens: an
  /// IPv6 form that embeds 127.x.y.z ([::127.0.0.1], [::ffff:127.0.0.1],
  /// [2002:7f00:1::], [64:ff9b::7f00:1]) is classed loopback but is not one,
  /// since it may route off the host (6to4, NAT64) or depend on the socket's
  /// dual-stack setting.
  bool local_loopback = false;
  /// scheme "://" host [":" port], the canonical origin used to rebuild the URL.
  std::string origin;
};

/// Parses `text` as an absolute URL and applies the destination rules: https
/// only (http allowed to loopback when options.allow_local_http), a host, no
/// userinfo, a valid port, and no loopback/private/link-local/CGNAT/metadata/
/// unspecified/multicast/reserved destination (with allow_local_http, the
/// `local_loopback` hosts only: 127.0.0.0/8, [::1], localhost names). Placeholders must already be
/// masked by the caller.
///
/// Stricter than WHATWG where WHATWG silently repairs: tabs, newlines, other
/// controls, backslashes and leading/trailing spaces are refused
/// ("invalid_url", with the 1-based character position), and so are
/// "https:host" (no "//"), empty hosts, userinfo and port 0. Host names may
/// only hold letters, digits, "-", "_" and "." (non-ASCII labels become
/// punycode). Besides IP ranges, these names are refused as destinations:
/// "localhost", "*.localhost" (loopback), cloud metadata names such as
/// "metadata.google.internal" (metadata), and names that only resolve on a
/// local network: single-label names ("intranet"), "*.internal", "*.local"
/// (private). A trailing dot is kept in `host` (as WHATWG does) but ignored
/// for classification. DNS answers are not the core's to check: a public
/// name that resolves to a private address must be caught at send time.
ParsedUrl parse_url(std::string_view text, const Options& options);

/// Canonicalises a host as WHATWG URL does (IPv4 in every spelling, IPv6,
/// full-width forms, lowercase, IDN to punycode) and classifies it. Returns
/// false with a code/message in `out` when the host is not valid. `raw` is
/// the host as it appears in the URL (percent-escapes allowed, IPv6 in
/// brackets). Canonical output is a fixed point: canonicalising it again
/// gives the same host and class. Non-ASCII lowercasing covers Latin, Greek
/// and Cyrillic only (full UTS-46 mapping is not implemented).
bool canonicalize_host(std::string_view raw, ParsedUrl& out);

/// True when `segment` is a URL path segment that WHATWG URL parsing
/// resolves away: "." or ".." with any dot written as "%2e" or "%2E"
/// ("%2e", ".%2E", "%2e%2e", ...).
bool is_dot_segment(std::string_view segment);

/// Normalises literal URL text typed by the marketer (path or query part):
/// keeps valid %XX escapes and reserved characters, percent-encodes spaces,
/// controls, non-ASCII bytes and characters a URL cannot hold.
std::string normalize_url_literal(std::string_view text);

}  // namespace hookcast
