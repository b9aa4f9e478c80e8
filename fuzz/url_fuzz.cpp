// Fuzzes the URL parser, the host canonicaliser and the encoders.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "percent_encoding.hpp"
#include "url.hpp"

namespace {

bool hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }
bool unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Aborts (not assert: the replay build defines NDEBUG) when the check fails.
void check(bool ok) {
  if (!ok) std::abort();
}

void check_encoded(const std::string& enc, bool allow_reserved) {
  static const std::string_view kReserved = ":/?#[]@!$&'()*+,;=";
  for (std::size_t i = 0; i < enc.size(); ++i) {
    const char c = enc[i];
    if (c == '%') {
      check(i + 2 < enc.size());
      check(hex(enc[i + 1]) || (allow_reserved && enc[i + 1] >= 'a' && enc[i + 1] <= 'f'));
      check(hex(enc[i + 2]) || (allow_reserved && enc[i + 2] >= 'a' && enc[i + 2] <= 'f'));
      i += 2;
      continue;
    }
    check(unreserved(c) || (allow_reserved && kReserved.find(c) != std::string_view::npos));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool local : {false, true}) {
    hookcast::Options options;
    options.allow_local_http = local;
    const hookcast::ParsedUrl r = hookcast::parse_url(text, options);
    if (r.ok) {
      check(r.code.empty());
      check(r.scheme == "https" || (local && r.scheme == "http"));
      check(r.address_class == hookcast::AddressClass::kPublic ||
            (local && r.address_class == hookcast::AddressClass::kLoopback));
      const hookcast::UrlLayout& l = r.layout;
      check(l.scheme_end < l.authority_begin && l.authority_begin <= l.authority_end &&
            l.authority_end == l.path_begin && l.path_begin <= l.path_end &&
            l.path_end <= text.size());
      check(!l.has_query || (l.query_begin <= l.query_end && l.query_end <= text.size()));
      check(!l.has_fragment ||
            (l.fragment_begin <= l.fragment_end && l.fragment_end == text.size()));
      // The canonical host is a fixed point: canonicalising it again changes nothing.
      hookcast::ParsedUrl again;
      check(hookcast::canonicalize_host(r.host, again));
      check(again.host == r.host && again.address_class == r.address_class);
    } else {
      check(!r.code.empty() && !r.message.empty());
    }
  }
  hookcast::ParsedUrl host;
  if (hookcast::canonicalize_host(text, host)) {
    hookcast::ParsedUrl again;
    check(hookcast::canonicalize_host(host.host, again) && again.host == host.host &&
          again.address_class == host.address_class);
  }
  const std::string q = hookcast::percent_encode(text);
  check_encoded(q, false);
  const std::string n = hookcast::normalize_url_literal(text);
  check_encoded(n, true);
  // Normalising is idempotent.
  check(hookcast::normalize_url_literal(n) == n);
  return 0;
}
