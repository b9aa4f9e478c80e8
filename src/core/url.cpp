#include "url.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ascii.hpp"
#include "percent_encoding.hpp"
#include "unicode.hpp"

namespace hookcast {
namespace {

using ascii::hex_value;
using ascii::is_alpha;
using ascii::is_digit;

std::string describe_char(unsigned char c) {
  switch (c) {
    case ' ':
      return "a space";
    case '\t':
      return "a tab";
    case '\n':
      return "a line break";
    case '\r':
      return "a carriage return";
    case '\\':
      return "a backslash";
    default:
      break;
  }
  if (c < 0x20 || c == 0x7f) {
    std::string s = "a control character (0x";
    s += kHexUpper[c >> 4];
    s += kHexUpper[c & 0xF];
    return s + ")";
  }
  if (c >= 0x80) return "a non-ASCII character";
  return std::string("\"") + static_cast<char>(c) + "\"";
}

std::string describe_code_point(std::uint32_t cp) {
  if (cp < 0x80) return describe_char(static_cast<unsigned char>(cp));
  std::string s = "the character U+";
  char buf[8];
  int n = 0;
  std::uint32_t v = cp;
  do {
    buf[n++] = kHexUpper[v & 0xF];
    v >>= 4;
  } while (v != 0 || n < 4);
  while (n > 0) s += buf[--n];
  return s;
}

// ------------------------------------------------------ code point case ----

// Lowercases the scripts a marketer's domain names realistically use (ASCII,
// Latin-1, Latin Extended-A, Greek, Cyrillic). This is not full UTS-46
// mapping: other scripts pass through unchanged and are punycoded as typed.
std::uint32_t lower_code_point(std::uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;
  if (cp >= 0x100 && cp <= 0x137 && cp != 0x130) return cp | 1;
  if (cp >= 0x139 && cp <= 0x148) return (cp & 1) ? cp + 1 : cp;
  if (cp >= 0x14A && cp <= 0x177) return cp | 1;
  if (cp == 0x178) return 0xFF;
  if (cp >= 0x179 && cp <= 0x17E) return (cp & 1) ? cp + 1 : cp;
  if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) return cp + 32;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
  return cp;
}

// Code points UTS-46 deletes ("ignored") or that are spaces/controls. A
// browser would drop them, so "local<U+00AD>host" would reach localhost:
// they are refused rather than punycoded into a different, "public" name.
bool is_invisible(std::uint32_t cp) {
  return cp <= 0xA0 || cp == 0xAD || cp == 0x34F || cp == 0x61C || (cp >= 0x115F && cp <= 0x1160) ||
         (cp >= 0x17B4 && cp <= 0x17B5) || (cp >= 0x180B && cp <= 0x180F) ||
         (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F) ||
         (cp >= 0x205F && cp <= 0x206F) || cp == 0x3000 || cp == 0x3164 ||
         (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF || cp == 0xFFA0 ||
         (cp >= 0xFFF0 && cp <= 0xFFFF) || (cp >= 0x1BCA0 && cp <= 0x1BCA3) ||
         (cp >= 0x1D173 && cp <= 0x1D17A) || (cp >= 0xE0000 && cp <= 0xE0FFF);
}

// Blocks whose characters UTS-46 maps to ASCII letters, digits or dots
// (superscripts, letterlike symbols, Roman numerals, circled and
// parenthesised numbers, mathematical alphanumerics, small and vertical
// forms...). Without full UTS-46 tables they could hide "127.0.0.1" from the
// IPv4 check ("127.0.0.<U+2460>"), so they are refused outright.
bool is_compatibility_form(std::uint32_t cp) {
  return cp == 0xAA || cp == 0xB2 || cp == 0xB3 || cp == 0xB9 || cp == 0xBA ||
         (cp >= 0xBC && cp <= 0xBE) || cp == 0x17F || (cp >= 0x1D2C && cp <= 0x1D6A) ||
         (cp >= 0x2024 && cp <= 0x2026) || (cp >= 0x2070 && cp <= 0x209F) ||
         (cp >= 0x2100 && cp <= 0x218F) || (cp >= 0x2460 && cp <= 0x24FF) ||
         (cp >= 0x2C7C && cp <= 0x2C7D) || (cp >= 0x3200 && cp <= 0x33FF) ||
         (cp >= 0xFE10 && cp <= 0xFE1F) || (cp >= 0xFE30 && cp <= 0xFE6F) ||
         (cp >= 0xFF00 && cp <= 0xFF64) || (cp >= 0xFFE0 && cp <= 0xFFEF) ||
         (cp >= 0x1D400 && cp <= 0x1D7FF) || (cp >= 0x1F100 && cp <= 0x1F1FF) ||
         (cp >= 0x1FBF0 && cp <= 0x1FBF9);
}

// ------------------------------------------------------------- punycode ----
// RFC 3492 encoder (section 6.3) for one label of code points.

char punycode_digit(std::uint32_t d) {
  return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26));
}

std::uint32_t punycode_adapt(std::uint32_t delta, std::uint32_t numpoints, bool first) {
  delta = first ? delta / 700 : delta / 2;
  delta += delta / numpoints;
  std::uint32_t k = 0;
  while (delta > ((36 - 1) * 26) / 2) {
    delta /= 36 - 1;
    k += 36;
  }
  return k + (36 * delta) / (delta + 38);
}

bool punycode_encode(const std::vector<std::uint32_t>& input, std::string& out) {
  const std::uint32_t kMax = 0xFFFFFFFFu;
  std::uint32_t n = 128, delta = 0, bias = 72;
  std::uint32_t basic = 0;
  for (std::uint32_t cp : input) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
      ++basic;
    }
  }
  std::uint32_t h = basic;
  if (basic > 0) out += '-';
  const auto total = static_cast<std::uint32_t>(input.size());
  while (h < total) {
    std::uint32_t m = kMax;
    for (std::uint32_t cp : input)
      if (cp >= n && cp < m) m = cp;
    if ((m - n) > (kMax - delta) / (h + 1)) return false;
    delta += (m - n) * (h + 1);
    n = m;
    for (std::uint32_t cp : input) {
      if (cp < n) {
        if (++delta == 0) return false;
      }
      if (cp == n) {
        std::uint32_t q = delta;
        for (std::uint32_t k = 36;; k += 36) {
          std::uint32_t t = k <= bias ? 1 : (k >= bias + 26 ? 26 : k - bias);
          if (q < t) break;
          out += punycode_digit(t + (q - t) % (36 - t));
          q = (q - t) / (36 - t);
        }
        out += punycode_digit(q);
        bias = punycode_adapt(delta, h + 1, h == basic);
        delta = 0;
        ++h;
      }
    }
    ++delta;
    ++n;
  }
  return true;
}

// ------------------------------------------------------------------ IPv4 ----

// One WHATWG IPv4 part: decimal, 0x-hex or 0-octal. Values saturate above
// 2^32 so a long part is reported as "too large", never overflows.
bool parse_ipv4_number(std::string_view s, std::uint64_t& value) {
  if (s.empty()) return false;
  int radix = 10;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    radix = 16;
    s.remove_prefix(2);
  } else if (s.size() >= 2 && s[0] == '0') {
    radix = 8;
    s.remove_prefix(1);
  }
  value = 0;
  for (char ch : s) {
    int d = hex_value(static_cast<unsigned char>(ch));
    if (d < 0 || d >= radix) return false;
    value = value * static_cast<std::uint64_t>(radix) + static_cast<std::uint64_t>(d);
    if (value > 0xFFFFFFFFull) value = 0x100000000ull;
  }
  return true;
}

bool ends_in_number(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  std::size_t dot = host.rfind('.');
  std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  bool all_digits = true;
  for (char c : last) all_digits = all_digits && is_digit(static_cast<unsigned char>(c));
  if (all_digits) return true;
  std::uint64_t v;
  return last.size() >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X') &&
         parse_ipv4_number(last, v);
}

bool parse_ipv4(std::string_view host, std::uint32_t& addr) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = host.find('.', start);
    parts.push_back(host.substr(start, dot == std::string_view::npos ? host.npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() > 1 && parts.back().empty()) parts.pop_back();
  if (parts.size() > 4) return false;
  std::uint64_t numbers[4] = {0, 0, 0, 0};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (!parse_ipv4_number(parts[i], numbers[i])) return false;
  }
  const std::size_t n = parts.size();
  for (std::size_t i = 0; i + 1 < n; ++i)
    if (numbers[i] > 255) return false;
  if (numbers[n - 1] >= (1ull << (8 * (5 - n)))) return false;
  std::uint64_t v = numbers[n - 1];
  for (std::size_t i = 0; i + 1 < n; ++i) v += numbers[i] << (8 * (3 - i));
  addr = static_cast<std::uint32_t>(v);
  return true;
}

std::string ipv4_to_string(std::uint32_t a) {
  std::string s;
  for (int i = 3; i >= 0; --i) {
    s += std::to_string((a >> (8 * i)) & 0xFF);
    if (i) s += '.';
  }
  return s;
}

bool in_v4(std::uint32_t a, std::uint32_t net, int bits) {
  std::uint32_t mask = bits == 0 ? 0 : (0xFFFFFFFFu << (32 - bits));
  return (a & mask) == (net & mask);
}
constexpr std::uint32_t v4(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

AddressClass classify_v4(std::uint32_t a) {
  if (in_v4(a, v4(0, 0, 0, 0), 8)) return AddressClass::kUnspecified;
  if (in_v4(a, v4(127, 0, 0, 0), 8)) return AddressClass::kLoopback;
  // Cloud metadata endpoints sit inside link-local/CGNAT space; name them
  // precisely so the message says what was hit.
  if (a == v4(169, 254, 169, 254) || a == v4(169, 254, 170, 2) || a == v4(100, 100, 100, 200))
    return AddressClass::kMetadata;
  if (in_v4(a, v4(10, 0, 0, 0), 8) || in_v4(a, v4(172, 16, 0, 0), 12) ||
      in_v4(a, v4(192, 168, 0, 0), 16))
    return AddressClass::kPrivate;
  if (in_v4(a, v4(169, 254, 0, 0), 16)) return AddressClass::kLinkLocal;
  if (in_v4(a, v4(100, 64, 0, 0), 10)) return AddressClass::kCgnat;
  if (in_v4(a, v4(224, 0, 0, 0), 4)) return AddressClass::kMulticast;
  if (in_v4(a, v4(240, 0, 0, 0), 4) ||  // incl. 255.255.255.255
      in_v4(a, v4(192, 0, 0, 0), 24) || in_v4(a, v4(192, 0, 2, 0), 24) ||
      in_v4(a, v4(192, 88, 99, 0), 24) || in_v4(a, v4(198, 18, 0, 0), 15) ||
      in_v4(a, v4(198, 51, 100, 0), 24) || in_v4(a, v4(203, 0, 113, 0), 24))
    return AddressClass::kReserved;
  return AddressClass::kPublic;
}

// ------------------------------------------------------------------ IPv6 ----

// WHATWG "IPv6 parser", which accepts exactly RFC 4291's text forms.
bool parse_ipv6(std::string_view in, std::array<std::uint16_t, 8>& addr) {
  addr.fill(0);
  const std::size_t len = in.size();
  std::size_t p = 0;
  int piece = 0, compress = -1;
  if (p < len && in[p] == ':') {
    if (p + 1 >= len || in[p + 1] != ':') return false;
    p += 2;
    ++piece;
    compress = piece;
  }
  while (p < len) {
    if (piece == 8) return false;
    if (in[p] == ':') {
      if (compress != -1) return false;
      ++p;
      ++piece;
      compress = piece;
      continue;
    }
    unsigned value = 0;
    int length = 0;
    while (length < 4 && p < len && hex_value(static_cast<unsigned char>(in[p])) >= 0) {
      value = value * 16 + static_cast<unsigned>(hex_value(static_cast<unsigned char>(in[p])));
      ++p;
      ++length;
    }
    if (p < len && in[p] == '.') {
      if (length == 0) return false;
      p -= static_cast<std::size_t>(length);
      if (piece > 6) return false;
      int numbers_seen = 0;
      while (p < len) {
        int v4piece = -1;
        if (numbers_seen > 0) {
          if (in[p] == '.' && numbers_seen < 4) {
            ++p;
          } else {
            return false;
          }
        }
        if (p >= len || !is_digit(static_cast<unsigned char>(in[p]))) return false;
        while (p < len && is_digit(static_cast<unsigned char>(in[p]))) {
          int number = in[p] - '0';
          if (v4piece == -1) {
            v4piece = number;
          } else if (v4piece == 0) {
            return false;
          } else {
            v4piece = v4piece * 10 + number;
          }
          if (v4piece > 255) return false;
          ++p;
        }
        addr[static_cast<std::size_t>(piece)] =
            static_cast<std::uint16_t>(addr[static_cast<std::size_t>(piece)] * 0x100 + v4piece);
        ++numbers_seen;
        if (numbers_seen == 2 || numbers_seen == 4) ++piece;
      }
      if (numbers_seen != 4) return false;
      break;
    } else if (p < len && in[p] == ':') {
      ++p;
      if (p >= len) return false;
    } else if (p < len) {
      return false;
    }
    addr[static_cast<std::size_t>(piece)] = static_cast<std::uint16_t>(value);
    ++piece;
  }
  if (compress != -1) {
    int swaps = piece - compress;
    piece = 7;
    while (piece != 0 && swaps > 0) {
      std::swap(addr[static_cast<std::size_t>(piece)],
                addr[static_cast<std::size_t>(compress + swaps - 1)]);
      --piece;
      --swaps;
    }
  } else if (piece != 8) {
    return false;
  }
  return true;
}

// WHATWG serialisation (RFC 5952 compression rules, always hexadecimal).
std::string ipv6_to_string(const std::array<std::uint16_t, 8>& a) {
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    if (a[static_cast<std::size_t>(i)] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && a[static_cast<std::size_t>(j)] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  std::string s = "[";
  bool ignore0 = false;
  for (int i = 0; i < 8; ++i) {
    if (ignore0 && a[static_cast<std::size_t>(i)] == 0) continue;
    ignore0 = false;
    if (best == i) {
      s += i == 0 ? "::" : ":";
      ignore0 = true;
      continue;
    }
    static const char kLowerHex[] = "0123456789abcdef";
    unsigned v = a[static_cast<std::size_t>(i)];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      unsigned d = (v >> shift) & 0xF;
      if (d != 0 || started || shift == 0) {
        s += kLowerHex[d];
        started = true;
      }
    }
    if (i != 7) s += ':';
  }
  return s + "]";
}

AddressClass classify_v6(const std::array<std::uint16_t, 8>& a, std::string& embedded) {
  auto zero = [&](int from, int to) {
    for (int i = from; i < to; ++i)
      if (a[static_cast<std::size_t>(i)] != 0) return false;
    return true;
  };
  auto low32 = [&](int hi) {
    return (static_cast<std::uint32_t>(a[static_cast<std::size_t>(hi)]) << 16) |
           a[static_cast<std::size_t>(hi + 1)];
  };
  auto via_v4 = [&](std::uint32_t v) {
    embedded = ipv4_to_string(v);
    return classify_v4(v);
  };
  if (zero(0, 8)) return AddressClass::kUnspecified;
  if (zero(0, 7) && a[7] == 1) return AddressClass::kLoopback;
  // Transition forms that carry an IPv4 destination are judged by it.
  if (zero(0, 5) && a[5] == 0xFFFF) return via_v4(low32(6));                  // ::ffff:0:0/96
  if (zero(0, 4) && a[4] == 0xFFFF && a[5] == 0) return via_v4(low32(6));     // ::ffff:0:0:0/96
  if (zero(0, 6)) return via_v4(low32(6));                                    // ::a.b.c.d
  if (a[0] == 0x64 && a[1] == 0xFF9B && zero(2, 6)) return via_v4(low32(6));  // NAT64
  if (a[0] == 0x2002) return via_v4(low32(1));                                // 6to4
  if (a[0] == 0xFD00 && a[1] == 0x0EC2 && zero(2, 7) && a[7] == 0x254)
    return AddressClass::kMetadata;
  if ((a[0] & 0xFE00) == 0xFC00 || (a[0] & 0xFFC0) == 0xFEC0) return AddressClass::kPrivate;
  if ((a[0] & 0xFFC0) == 0xFE80) return AddressClass::kLinkLocal;
  if ((a[0] & 0xFF00) == 0xFF00) return AddressClass::kMulticast;
  if ((a[0] & 0xFF00) == 0x0000 ||           // ::/8 (IETF reserved), incl. 64:ff9b:1::/48
      (a[0] == 0x0100 && zero(1, 4)) ||      // 100::/64 discard
      (a[0] == 0x2001 && a[1] == 0x0DB8) ||  // 2001:db8::/32 documentation
      (a[0] == 0x2001 && a[1] == 0x0000) ||  // Teredo
      (a[0] == 0x2001 && a[1] == 0x0002 && a[2] == 0) ||  // benchmarking
      (a[0] == 0x2001 && (a[1] & 0xFFE0) == 0x0020) ||    // ORCHIDv2 and deprecated ORCHID
      (a[0] == 0x2001 && (a[1] & 0xFFF0) == 0x0010) || (a[0] & 0xFFF0) == 0x3FF0 /* 3fff::/20 */)
    return AddressClass::kReserved;
  return AddressClass::kPublic;
}

// ----------------------------------------------------------------- names ----

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

AddressClass classify_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name == "localhost" || ends_with(name, ".localhost") || name == "localhost.localdomain" ||
      name == "ip6-localhost" || name == "ip6-loopback")
    return AddressClass::kLoopback;
  if (name == "metadata.google.internal" || name == "metadata" || name == "metadata.goog" ||
      name == "instance-data" || name == "instance-data.ec2.internal")
    return AddressClass::kMetadata;
  // A single-label name is resolved through the local search domains, and
  // ".internal" (ICANN-reserved for private use) and ".local" (mDNS) only on
  // a local network: none of them can be a public webhook receiver.
  if (name.find('.') == std::string_view::npos || ends_with(name, ".internal") ||
      ends_with(name, ".local"))
    return AddressClass::kPrivate;
  return AddressClass::kPublic;
}

// Each class's stable name and the phrase messages use, in enum order.
struct ClassWords {
  AddressClass c;
  const char* name;
  const char* phrase;
};
constexpr ClassWords kClassWords[] = {
    {AddressClass::kPublic, "public", "a public"},
    {AddressClass::kLoopback, "loopback", "a loopback"},
    {AddressClass::kPrivate, "private", "a private"},
    {AddressClass::kLinkLocal, "link-local", "a link-local"},
    {AddressClass::kCgnat, "cgnat", "a carrier-grade NAT (shared)"},
    {AddressClass::kMetadata, "metadata", "a cloud metadata"},
    {AddressClass::kUnspecified, "unspecified", "an unspecified"},
    {AddressClass::kMulticast, "multicast", "a multicast"},
    {AddressClass::kReserved, "reserved", "a reserved (special-purpose)"},
};

const ClassWords& words_of(AddressClass c) {
  for (const ClassWords& w : kClassWords)
    if (w.c == c) return w;
  return kClassWords[0];
}

const char* class_phrase(AddressClass c) { return words_of(c).phrase; }

bool fail(ParsedUrl& out, const char* code, std::string message) {
  out.ok = false;
  out.code = code;
  out.message = std::move(message);
  return false;
}

bool canonicalize_ipv6(std::string_view inside, ParsedUrl& out) {
  if (inside.find('%') != std::string_view::npos)
    return fail(out, "invalid_host",
                "The IPv6 address has a zone identifier (after \"%\"), which a URL cannot use.");
  std::array<std::uint16_t, 8> a;
  if (!parse_ipv6(inside, a))
    return fail(out, "invalid_host",
                "\"[" + std::string(inside) + "]\" is not a valid IPv6 address.");
  std::string embedded;
  out.host = ipv6_to_string(a);
  out.host_kind = HostKind::kIpv6;
  out.address_class = classify_v6(a, embedded);
  // Only ::1 itself: the forms that embed 127.x.y.z are judged by it above
  // (so they are refused by default) but are not this machine's address.
  out.local_loopback = out.address_class == AddressClass::kLoopback && embedded.empty();
  return true;
}

}  // namespace

const char* address_class_name(AddressClass c) { return words_of(c).name; }

bool canonicalize_host(std::string_view raw, ParsedUrl& out) {
  out.host.clear();
  out.host_kind = HostKind::kName;
  out.address_class = AddressClass::kPublic;
  out.local_loopback = false;
  if (raw.empty())
    return fail(out, "host_required", "The URL needs a host name, such as api.example.com.");
  if (raw.front() == '[') {
    if (raw.size() < 2 || raw.back() != ']')
      return fail(out, "invalid_host", "The IPv6 address is missing its closing \"]\".");
    return canonicalize_ipv6(raw.substr(1, raw.size() - 2), out);
  }
  // WHATWG percent-decodes a host before anything else, so "%31%32%37.0.0.1"
  // is 127.0.0.1 and must be judged as such.
  std::string bytes;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '%') {
      int hi = i + 2 < raw.size() ? hex_value(static_cast<unsigned char>(raw[i + 1])) : -1;
      int lo = i + 2 < raw.size() ? hex_value(static_cast<unsigned char>(raw[i + 2])) : -1;
      if (hi < 0 || lo < 0)
        return fail(out, "invalid_host",
                    "The host has a \"%\" that is not followed by two hex digits.");
      bytes += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      bytes += raw[i];
    }
  }
  std::vector<std::uint32_t> cps;
  if (!utf8_decode(bytes, cps))
    return fail(out, "invalid_host", "The host is not valid UTF-8 text.");
  // Full-width and ideographic forms fold to ASCII first, so "１２７．０．０．１"
  // is classified as the IPv4 address it spells.
  for (std::uint32_t& cp : cps) {
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;
    if (cp == 0x3002 || cp == 0xFF0E || cp == 0xFF61) cp = '.';
    cp = lower_code_point(cp);
  }
  for (std::uint32_t cp : cps) {
    if (cp >= 0x80) {
      if (is_invisible(cp))
        return fail(
            out, "invalid_host",
            "The host contains " + describe_code_point(cp) + " (an invisible or space character).");
      if (is_compatibility_form(cp))
        return fail(out, "invalid_host",
                    "The host contains " + describe_code_point(cp) +
                        ", a styled form of a letter, digit or dot; type the plain character.");
      continue;
    }
    auto c = static_cast<unsigned char>(cp);
    if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_'))
      return fail(out, "invalid_host",
                  "The host contains " + describe_char(c) +
                      ", which a host name cannot hold (only letters, digits, \"-\" and \".\").");
  }
  // Domain name: split into labels, punycode the non-ASCII ones.
  std::string host;
  std::vector<std::uint32_t> label;
  std::size_t visible = 0;  // length without a trailing dot
  std::size_t longest = 0;
  for (std::size_t i = 0; i <= cps.size(); ++i) {
    if (i < cps.size() && cps[i] != '.') {
      label.push_back(cps[i]);
      continue;
    }
    const bool trailing = i == cps.size() && cps.size() > 0 && cps.back() == '.';
    if (label.empty()) {
      if (trailing) break;
      return fail(out, "invalid_host",
                  "The host has an empty label (two dots in a row, or a dot at the start).");
    }
    std::string encoded;
    bool non_ascii = false;
    for (std::uint32_t cp : label) non_ascii = non_ascii || cp >= 0x80;
    if (non_ascii) {
      encoded = "xn--";
      if (!punycode_encode(label, encoded))
        return fail(out, "invalid_host", "The host has a label that cannot be encoded.");
    } else {
      for (std::uint32_t cp : label) encoded += static_cast<char>(cp);
    }
    if (encoded.size() > longest) longest = encoded.size();
    host += encoded;
    visible = host.size();
    if (i < cps.size()) host += '.';
    label.clear();
  }
  // As in WHATWG, the number check runs on the ASCII form, so a name like
  // "127.<non-ASCII>.0.1" is not an IPv4 address and is refused.
  if (ends_in_number(host)) {
    std::uint32_t addr;
    if (!parse_ipv4(host, addr))
      return fail(out, "invalid_host",
                  "\"" + host + "\" ends in a number but is not a valid IPv4 address.");
    out.host = ipv4_to_string(addr);
    out.host_kind = HostKind::kIpv4;
    out.address_class = classify_v4(addr);
    out.local_loopback = out.address_class == AddressClass::kLoopback;
    return true;
  }
  if (longest > 63)
    return fail(out, "invalid_host", "The host has a label longer than 63 characters.");
  if (visible > 253)
    return fail(out, "invalid_host", "The host name is longer than 253 characters.");
  out.host = host;
  out.host_kind = HostKind::kName;
  out.address_class = classify_name(host);
  out.local_loopback = out.address_class == AddressClass::kLoopback;
  return true;
}

bool split_url(std::string_view text, UrlLayout& l) {
  const std::size_t sep = text.find("://");
  if (sep == std::string_view::npos) return false;
  l = UrlLayout{};
  l.scheme_end = sep;
  l.authority_begin = sep + 3;
  l.authority_end = text.find_first_of("/?#\\", l.authority_begin);
  if (l.authority_end == std::string_view::npos) l.authority_end = text.size();
  l.path_begin = l.authority_end;
  l.path_end = text.find_first_of("?#", l.path_begin);
  if (l.path_end == std::string_view::npos) l.path_end = text.size();
  std::size_t p = l.path_end;
  if (p < text.size() && text[p] == '?') {
    l.has_query = true;
    l.query_begin = p + 1;
    p = text.find('#', p + 1);
    if (p == std::string_view::npos) p = text.size();
    l.query_end = p;
  } else {
    l.query_begin = l.query_end = p;
  }
  if (p < text.size() && text[p] == '#') {
    l.has_fragment = true;
    l.fragment_begin = p + 1;
    l.fragment_end = text.size();
  } else {
    l.fragment_begin = l.fragment_end = text.size();
  }
  return true;
}

ParsedUrl parse_url(std::string_view text, const Options& options) {
  ParsedUrl out;
  if (text.empty()) {
    fail(out, "url_required", "A URL is required.");
    return out;
  }
  // WHATWG silently strips tabs and newlines and turns "\" into "/": a URL
  // that relies on either is refused so what is shown is what is sent.
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f || c == '\\' || (c == ' ' && (i == 0 || i + 1 == text.size()))) {
      std::string where = "at character " + std::to_string(i + 1);
      if (c == ' ') where = i == 0 ? "at the start" : "at the end";
      fail(out, "invalid_url",
           "The URL contains " + describe_char(c) + " " + where +
               (c == '\\' ? "; use \"/\" instead." : "; remove it."));
      return out;
    }
  }
  std::size_t i = 0;
  if (!is_alpha(static_cast<unsigned char>(text[0]))) {
    fail(out, "invalid_url", "The URL must be absolute and start with https://.");
    return out;
  }
  while (i < text.size() && (is_alpha(static_cast<unsigned char>(text[i])) ||
                             is_digit(static_cast<unsigned char>(text[i])) || text[i] == '+' ||
                             text[i] == '-' || text[i] == '.'))
    ++i;
  if (i >= text.size() || text[i] != ':') {
    fail(out, "invalid_url", "The URL must be absolute and start with https://.");
    return out;
  }
  const std::string scheme = ascii::lowercase(text.substr(0, i));
  out.layout.scheme_end = i;
  if (scheme != "https" && scheme != "http") {
    fail(out, "https_required",
         "The URL must use https:// (it uses \"" + std::string(text.substr(0, i)) + ":\").");
    return out;
  }
  if (text.substr(i + 1, 2) != "//") {
    fail(out, "invalid_url", "The URL must have \"//\" after \"" + scheme + ":\".");
    return out;
  }
  split_url(text, out.layout);
  const std::size_t auth_begin = out.layout.authority_begin;
  const std::size_t auth_end = out.layout.authority_end;

  std::string_view authority = text.substr(auth_begin, auth_end - auth_begin);
  if (authority.find('@') != std::string_view::npos) {
    fail(out, "credentials_in_url",
         "The URL contains a user name or password (before \"@\"); put credentials in a header "
         "such as Authorization instead.");
    return out;
  }
  std::string_view host = authority, port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      fail(out, "invalid_host", "The IPv6 address is missing its closing \"]\".");
      return out;
    }
    host = authority.substr(0, close + 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        fail(out, "invalid_host",
             "Unexpected text \"" + std::string(rest) + "\" after the IPv6 address.");
        return out;
      }
      has_port = true;
      port = rest.substr(1);
    }
  } else {
    std::size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      has_port = true;
    }
  }
  if (host.empty()) {
    fail(out, "host_required", "The URL needs a host name after \"" + scheme + "://\".");
    return out;
  }
  std::uint32_t port_value = 0;
  if (has_port) {
    for (std::size_t k = 0; k < port.size(); ++k) {
      if (!is_digit(static_cast<unsigned char>(port[k]))) {
        fail(out, "invalid_port",
             "The port \"" + std::string(port) + "\" must be a number from 1 to 65535.");
        return out;
      }
      port_value = port_value * 10 + static_cast<std::uint32_t>(port[k] - '0');
      if (port_value > 65535) {
        fail(out, "invalid_port",
             "The port \"" + std::string(port) + "\" is too large (at most 65535).");
        return out;
      }
    }
    if (!port.empty() && port_value == 0) {
      fail(out, "invalid_port", "The port must be a number from 1 to 65535, not 0.");
      return out;
    }
  }
  if (!canonicalize_host(host, out)) return out;
  out.scheme = scheme;
  const std::uint32_t default_port = scheme == "https" ? 443 : 80;
  out.port = (has_port && !port.empty() && port_value != default_port) ? std::to_string(port_value)
                                                                       : std::string();
  out.origin = scheme + "://" + out.host + (out.port.empty() ? "" : ":" + out.port);

  const bool loopback = out.address_class == AddressClass::kLoopback;
  if (options.allow_local_http && loopback && !out.local_loopback) {
    fail(out, "private_address",
         "The URL points to " + out.host +
             ", a loopback address written in an IPv6 form that may route off this machine; "
             "local HTTP allows only 127.0.0.0/8 and [::1] (write http://127.0.0.1… instead).");
    return out;
  }
  if (scheme == "http" && !(options.allow_local_http && loopback)) {
    fail(out, "https_required",
         loopback ? "The URL must use https://; http:// is allowed only to this machine when "
                    "local HTTP is enabled for development."
                  : "The URL must use https:// (http:// is not encrypted).");
    return out;
  }
  if (out.address_class != AddressClass::kPublic && !(loopback && options.allow_local_http)) {
    const AddressClass c = out.address_class;
    std::string what = std::string(class_phrase(c)) + " address (" + out.host + ")";
    if (c == AddressClass::kPrivate && out.host_kind == HostKind::kName)
      what = "a private-network name (" + out.host + ")";
    fail(out, "private_address",
         "The URL points to " + what +
             (loopback ? "; webhooks go to public hosts (loopback only with local HTTP enabled "
                         "for development)."
                       : "; webhooks can only go to public hosts."));
    return out;
  }
  out.ok = true;
  out.code.clear();
  out.message.clear();
  return out;
}

bool is_dot_segment(std::string_view segment) {
  int dots = 0;
  for (std::size_t i = 0; i < segment.size(); ++dots) {
    if (dots == 2) return false;
    if (segment[i] == '.') {
      ++i;
    } else if (segment.size() - i >= 3 && segment[i] == '%' && segment[i + 1] == '2' &&
               (segment[i + 2] == 'e' || segment[i + 2] == 'E')) {
      i += 3;
    } else {
      return false;
    }
  }
  return dots > 0;
}

std::string normalize_url_literal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '%') {
      if (i + 2 < text.size() && hex_value(static_cast<unsigned char>(text[i + 1])) >= 0 &&
          hex_value(static_cast<unsigned char>(text[i + 2])) >= 0) {
        out += '%';
      } else {
        out += "%25";
      }
      continue;
    }
    if (is_unreserved(c) || is_reserved(c)) {
      out += static_cast<char>(c);
    } else {
      append_percent_byte(out, c);
    }
  }
  return out;
}

}  // namespace hookcast
