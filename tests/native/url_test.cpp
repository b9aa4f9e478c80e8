// URL parsing, host canonicalisation and the SSRF guard. Parsing only:
// nothing here opens a connection.
#include "url.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "fixtures.hpp"
#include "percent_encoding.hpp"

namespace hookcast {
namespace {

using test::load_fixture;

std::string str(const nlohmann::json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

TEST(UrlFixture, EveryCaseMatches) {
  const nlohmann::json cases = load_fixture("urls.json");
  ASSERT_TRUE(cases.is_array()) << "tests/fixtures/urls.json is missing or not a JSON array";
  ASSERT_GT(cases.size(), 100u);
  for (const auto& c : cases) {
    const std::string url = str(c, "url");
    Options options;
    options.allow_local_http = c.value("allowLocalHttp", false);
    const ParsedUrl r = parse_url(url, options);
    SCOPED_TRACE("url=" + url + " allowLocalHttp=" + (options.allow_local_http ? "1" : "0") +
                 " -> code=" + r.code + " host=" + r.host + " message=" + r.message);
    EXPECT_EQ(r.ok, c.value("ok", false));
    if (c.contains("code")) {
      EXPECT_EQ(r.code, str(c, "code"));
    }
    if (c.contains("host")) {
      EXPECT_EQ(r.host, str(c, "host"));
    }
    if (c.contains("class")) {
      EXPECT_STREQ(address_class_name(r.address_class), str(c, "class").c_str());
    }
    if (c.contains("port")) {
      EXPECT_EQ(r.port, str(c, "port"));
    }
    if (c.contains("origin")) {
      EXPECT_EQ(r.origin, str(c, "origin"));
    }
    if (r.ok) {
      EXPECT_TRUE(r.code.empty());
    } else {
      EXPECT_FALSE(r.message.empty());
    }
  }
}

TEST(UrlLayoutTest, RangesCoverEveryPart) {
  const std::string u = "https://api.example.com:8443/a/b?x=1&y=2#frag";
  const ParsedUrl r = parse_url(u, {});
  ASSERT_TRUE(r.ok) << r.message;
  const UrlLayout& l = r.layout;
  EXPECT_EQ(u.substr(0, l.scheme_end), "https");
  EXPECT_EQ(u.substr(l.authority_begin, l.authority_end - l.authority_begin),
            "api.example.com:8443");
  EXPECT_EQ(u.substr(l.path_begin, l.path_end - l.path_begin), "/a/b");
  EXPECT_TRUE(l.has_query);
  EXPECT_EQ(u.substr(l.query_begin, l.query_end - l.query_begin), "x=1&y=2");
  EXPECT_TRUE(l.has_fragment);
  EXPECT_EQ(u.substr(l.fragment_begin, l.fragment_end - l.fragment_begin), "frag");
  EXPECT_EQ(r.origin, "https://api.example.com:8443");
  EXPECT_EQ(r.port, "8443");
  EXPECT_EQ(r.scheme, "https");
  EXPECT_EQ(r.host_kind, HostKind::kName);
}

TEST(UrlLayoutTest, EmptyQueryIsPresentAbsentQueryIsNot) {
  ParsedUrl a = parse_url("https://example.com/p?", {});
  ASSERT_TRUE(a.ok);
  EXPECT_TRUE(a.layout.has_query);
  EXPECT_EQ(a.layout.query_begin, a.layout.query_end);
  EXPECT_FALSE(a.layout.has_fragment);
  ParsedUrl b = parse_url("https://example.com", {});
  ASSERT_TRUE(b.ok);
  EXPECT_FALSE(b.layout.has_query);
  EXPECT_EQ(b.layout.path_begin, b.layout.path_end);
  EXPECT_EQ(b.layout.path_begin, std::string("https://example.com").size());
  ParsedUrl c = parse_url("https://example.com#", {});
  ASSERT_TRUE(c.ok);
  EXPECT_TRUE(c.layout.has_fragment);
  EXPECT_FALSE(c.layout.has_query);
}

TEST(UrlLayoutTest, QuestionMarkInFragmentIsNotAQuery) {
  const std::string u = "https://example.com/p#a?b";
  ParsedUrl r = parse_url(u, {});
  ASSERT_TRUE(r.ok);
  EXPECT_FALSE(r.layout.has_query);
  EXPECT_EQ(u.substr(r.layout.fragment_begin), "a?b");
}

TEST(UrlHostKind, Ipv4AndIpv6AreTagged) {
  EXPECT_EQ(parse_url("https://8.8.8.8/", {}).host_kind, HostKind::kIpv4);
  EXPECT_EQ(parse_url("https://[2606:4700::1111]/", {}).host_kind, HostKind::kIpv6);
}

TEST(UrlMessages, NameTheClassAndTheAddress) {
  ParsedUrl r = parse_url("https://2130706433/", {});
  EXPECT_EQ(r.code, "private_address");
  EXPECT_NE(r.message.find("loopback address (127.0.0.1)"), std::string::npos) << r.message;
  r = parse_url("https://169.254.169.254/latest/meta-data/", {});
  EXPECT_NE(r.message.find("metadata"), std::string::npos) << r.message;
  r = parse_url("https://100.64.0.1/", {});
  EXPECT_NE(r.message.find("carrier-grade NAT"), std::string::npos) << r.message;
}

TEST(UrlMessages, SayWhatAndWhere) {
  ParsedUrl r = parse_url("https://example.com\\x", {});
  EXPECT_EQ(r.code, "invalid_url");
  EXPECT_NE(r.message.find("backslash at character 20"), std::string::npos) << r.message;
  r = parse_url("https://exa\tmple.com/", {});
  EXPECT_NE(r.message.find("tab at character 12"), std::string::npos) << r.message;
  r = parse_url("https://example.com/\r\n", {});
  EXPECT_NE(r.message.find("carriage return at character 21"), std::string::npos) << r.message;
  r = parse_url("https://exa!mple.com/", {});
  EXPECT_EQ(r.code, "invalid_host");
  EXPECT_NE(r.message.find("\"!\""), std::string::npos) << r.message;
  r = parse_url("https://example.com:99999/", {});
  EXPECT_NE(r.message.find("99999"), std::string::npos) << r.message;
}

TEST(UrlLocalHttp, LoopbackOnlyAndOnlyWhenAllowed) {
  Options local;
  local.allow_local_http = true;
  EXPECT_TRUE(parse_url("http://127.0.0.1:9000/x", local).ok);
  EXPECT_EQ(parse_url("http://127.0.0.1:9000/x", {}).code, "https_required");
  EXPECT_EQ(parse_url("https://127.0.0.1:9000/x", {}).code, "private_address");
  EXPECT_EQ(parse_url("http://192.168.0.10/", local).code, "https_required");
  EXPECT_EQ(parse_url("https://192.168.0.10/", local).code, "private_address");
  EXPECT_EQ(parse_url("https://169.254.169.254/", local).code, "private_address");
  EXPECT_EQ(parse_url("HTTP://LOCALHOST:8080/", local).origin, "http://localhost:8080");
}

// Regression: allowLocalHttp accepted IPv6 forms embedding 127.0.0.1, which
// route off-host (6to4, NAT64) or depend on the socket's dual-stack setting.
TEST(UrlLocalHttp, AllowLocalHttpOpensOnlyRealLoopback) {
  Options local;
  local.allow_local_http = true;
  for (const char* url : {"http://127.0.0.1:9000/", "http://127.8.9.10/", "http://[::1]:9000/",
                          "https://[::1]/", "http://2130706433/", "http://0x7f.1/"})
    EXPECT_TRUE(parse_url(url, local).ok) << url;
  for (const char* url :
       {"http://[2002:7f00:1::]/", "http://[64:ff9b::7f00:1]/", "http://[::ffff:0:7f00:1]/",
        "http://[::127.0.0.1]/", "http://[::ffff:127.0.0.1]/", "https://[::ffff:127.0.0.1]/",
        "https://[2002:7f00:1::]/"}) {
    const ParsedUrl r = parse_url(url, local);
    EXPECT_FALSE(r.ok) << url;
    EXPECT_EQ(r.code, "private_address") << url;
    EXPECT_FALSE(r.local_loopback) << url;
    EXPECT_EQ(parse_url(url, {}).ok, false) << url;
  }
}

TEST(CanonicalizeHost, DirectCalls) {
  ParsedUrl out;
  ASSERT_TRUE(canonicalize_host("0x7F.1", out));
  EXPECT_EQ(out.host, "127.0.0.1");
  EXPECT_EQ(out.address_class, AddressClass::kLoopback);
  ASSERT_TRUE(canonicalize_host("[0:0:0:0:0:ffff:7f00:0001]", out));
  EXPECT_EQ(out.host, "[::ffff:7f00:1]");
  EXPECT_EQ(out.address_class, AddressClass::kLoopback);
  ASSERT_TRUE(canonicalize_host("[2001:DB8:0:0:1:0:0:1]", out));
  EXPECT_EQ(out.host, "[2001:db8::1:0:0:1]");  // RFC 5952: first of equal runs
  ASSERT_TRUE(canonicalize_host("[1:0:0:2:0:0:0:3]", out));
  EXPECT_EQ(out.host, "[1:0:0:2::3]");  // RFC 5952: longest run
  ASSERT_TRUE(canonicalize_host("[1:0:2:3:4:5:6:7]", out));
  EXPECT_EQ(out.host, "[1:0:2:3:4:5:6:7]");  // a single zero is not compressed
  ASSERT_TRUE(canonicalize_host("ＡＰＩ．ＥＸＡＭＰＬＥ．ＣＯＭ", out));
  EXPECT_EQ(out.host, "api.example.com");
  EXPECT_EQ(out.address_class, AddressClass::kPublic);
  ASSERT_TRUE(canonicalize_host("München.example", out));
  EXPECT_EQ(out.host, "xn--mnchen-3ya.example");
  EXPECT_FALSE(canonicalize_host("", out));
  EXPECT_EQ(out.code, "host_required");
  EXPECT_FALSE(canonicalize_host("a\xff.example", out));
  EXPECT_EQ(out.code, "invalid_host");
  EXPECT_FALSE(canonicalize_host(std::string(64, 'a') + ".example", out));
  EXPECT_TRUE(canonicalize_host(std::string(63, 'a') + ".example", out));
}

TEST(CanonicalizeHost, PunycodeMatchesRfc3492Samples) {
  ParsedUrl out;
  // RFC 3492 section 7.1 (B) Chinese (simplified), lowercase already.
  ASSERT_TRUE(
      canonicalize_host("\xe4\xbb\x96\xe4\xbb\xac\xe4\xb8\xba\xe4\xbb\x80\xe4\xb9\x88"
                        "\xe4\xb8\x8d\xe8\xaf\xb4\xe4\xb8\xad\xe6\x96\x87.example",
                        out));
  EXPECT_EQ(out.host, "xn--ihqwcrb4cv8a8dqg056pqjye.example");
  // (L) 3<nen>B<gumi><kinpachi><sensei>, lowercased first.
  ASSERT_TRUE(
      canonicalize_host("3\xe5\xb9\xb4"
                        "B\xe7\xb5\x84\xe9\x87\x91\xe5\x85\xab"
                        "\xe5\x85\x88\xe7\x94\x9f.example",
                        out));
  EXPECT_EQ(out.host, "xn--3b-ww4c5e180e575a65lsy2b.example");
}

TEST(AddressClassName, EveryClassHasAStableWord) {
  EXPECT_STREQ(address_class_name(AddressClass::kPublic), "public");
  EXPECT_STREQ(address_class_name(AddressClass::kLoopback), "loopback");
  EXPECT_STREQ(address_class_name(AddressClass::kPrivate), "private");
  EXPECT_STREQ(address_class_name(AddressClass::kLinkLocal), "link-local");
  EXPECT_STREQ(address_class_name(AddressClass::kCgnat), "cgnat");
  EXPECT_STREQ(address_class_name(AddressClass::kMetadata), "metadata");
  EXPECT_STREQ(address_class_name(AddressClass::kUnspecified), "unspecified");
  EXPECT_STREQ(address_class_name(AddressClass::kMulticast), "multicast");
  EXPECT_STREQ(address_class_name(AddressClass::kReserved), "reserved");
}

TEST(Encoders, KeepOnlyUnreserved) {
  EXPECT_EQ(percent_encode("a b&c=d/e?f#g+h%i~j-k.l_m"),
            "a%20b%26c%3Dd%2Fe%3Ff%23g%2Bh%25i~j-k.l_m");
  EXPECT_EQ(percent_encode("../x/y"), "..%2Fx%2Fy");
  EXPECT_EQ(percent_encode("\xc3\xa9"), "%C3%A9");
  EXPECT_EQ(percent_encode(std::string("\0\n", 2)), "%00%0A");
  EXPECT_EQ(percent_encode(""), "");
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  const std::string enc = percent_encode(all);
  EXPECT_EQ(enc.size(), 66u + 3u * 190u);  // 66 unreserved bytes stay, 190 become %XX
}

TEST(Encoders, NormalizeLiteralKeepsStructureAndFixesTheRest) {
  EXPECT_EQ(normalize_url_literal("/a b/%7e/%zz/100%"), "/a%20b/%7e/%25zz/100%25");
  EXPECT_EQ(normalize_url_literal("x=1&y=a,b;c:d@e!$'()*+=/?"), "x=1&y=a,b;c:d@e!$'()*+=/?");
  EXPECT_EQ(normalize_url_literal("\"<>\\^`{|}"), "%22%3C%3E%5C%5E%60%7B%7C%7D");
  EXPECT_EQ(normalize_url_literal("caf\xc3\xa9\x7f\x01"), "caf%C3%A9%7F%01");
  EXPECT_EQ(normalize_url_literal("%4"), "%254");
  EXPECT_EQ(normalize_url_literal("%41"), "%41");
}

}  // namespace
}  // namespace hookcast
