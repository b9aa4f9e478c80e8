// The cURL preview and the table view. The shell test runs the generated
// command through bash with `curl` replaced by a function that prints its
// arguments, so quoting is checked without any network traffic.
#include "preview.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace hookcast {
namespace {

// Runs `command` under bash with curl stubbed; returns the argv it received.
std::vector<std::string> shell_argv(const std::string& command) {
  char path[] = "/tmp/hookcast_preview_XXXXXX";
  const int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  {
    std::ofstream f(path, std::ios::binary);
    f << "set -eu\ncurl() { printf '%s\\0' \"$@\"; }\n" << command << "\n";
  }
  close(fd);
  std::string out;
  FILE* p = popen((std::string("bash ") + path).c_str(), "r");
  EXPECT_NE(p, nullptr);
  char buf[4096];
  std::size_t n;
  while (p && (n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = p ? pclose(p) : -1;
  EXPECT_EQ(rc, 0) << command;
  std::remove(path);
  std::vector<std::string> argv;
  std::size_t start = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\0') {
      argv.push_back(out.substr(start, i - start));
      start = i + 1;
    }
  }
  return argv;
}

HttpRequest hostile() {
  HttpRequest r;
  r.method = "POST";
  r.url = "https://api.example.com/a/../b/%7B%7D?q=it's&x=$(id)&y=`id`&z=[1]{2}";
  r.headers = {{"Content-Type", "application/json"},
               {"X-Quote", "it's \"quoted\" $(id) `id` ${HOME} !event \\n"},
               {"X-Empty", ""},
               {"X-Unicode", "caf\xc3\xa9 \xf0\x9f\x8e\x89"}};
  r.body = std::string("@/etc/passwd\n{\"a\": \"it's $(id) `id` !! \\u0000\"}\n\n'\n");
  return r;
}

TEST(ToCurl, HostileValuesReachCurlByteForByte) {
  const HttpRequest r = hostile();
  const std::vector<std::string> argv = shell_argv(to_curl(r));
  const std::vector<std::string> expected = {
      "--globoff",  "--path-as-is",
      "--request",  "POST",
      "--url",      r.url,
      "--header",   "Content-Type: application/json",
      "--header",   "X-Quote: " + r.headers[1].second,
      "--header",   "X-Empty;",
      "--header",   "X-Unicode: " + r.headers[3].second,
      "--header",   "User-Agent:",
      "--header",   "Accept:",
      "--data-raw", *r.body,
  };
  EXPECT_EQ(argv, expected);
}

TEST(ToCurl, GetWithoutBodyHasNoRequestOrDataOption) {
  HttpRequest r;
  r.method = "GET";
  r.url = "https://api.example.com/hook?a=1";
  const std::string c = to_curl(r);
  EXPECT_EQ(c,
            "curl --globoff --path-as-is \\\n"
            "  --url 'https://api.example.com/hook?a=1' \\\n"
            "  --header 'User-Agent:' \\\n"
            "  --header 'Accept:'");
  EXPECT_EQ(shell_argv(c).size(), 8u);
}

TEST(ToCurl, RequestHeadersReplaceCurlDefaults) {
  HttpRequest r;
  r.method = "DELETE";
  r.url = "https://api.example.com/x";
  r.headers = {{"user-agent", "hookcast/1"}, {"ACCEPT", "application/json"}};
  const std::string c = to_curl(r);
  EXPECT_EQ(c.find("'User-Agent:'"), std::string::npos);
  EXPECT_EQ(c.find("'Accept:'"), std::string::npos);
  EXPECT_NE(c.find("--request DELETE"), std::string::npos);
  EXPECT_EQ(c.find("--data"), std::string::npos);
}

TEST(ToCurl, BodyWithoutContentTypeSuppressesCurlsFormType) {
  HttpRequest r;
  r.method = "PUT";
  r.url = "https://api.example.com/x";
  r.body = "";
  const std::vector<std::string> argv = shell_argv(to_curl(r));
  ASSERT_GE(argv.size(), 2u);
  EXPECT_EQ(argv[argv.size() - 2], "--data-raw");
  EXPECT_EQ(argv.back(), "");  // an empty body is still a body
  EXPECT_NE(to_curl(r).find("--header 'Content-Type:'"), std::string::npos);
}

TEST(ToCurl, OddMethodIsQuoted) {
  HttpRequest r;
  r.method = "PO ST;id";
  r.url = "https://api.example.com/";
  const std::vector<std::string> argv = shell_argv(to_curl(r));
  ASSERT_GE(argv.size(), 4u);
  EXPECT_EQ(argv[3], "PO ST;id");
}

TEST(ToCurl, WhitespaceOnlyHeaderValueIsSentEmpty) {
  HttpRequest r;
  r.method = "GET";
  r.url = "https://api.example.com/";
  r.headers = {{"X-Blank", "  "}};
  EXPECT_NE(to_curl(r).find("--header 'X-Blank;'"), std::string::npos);
}

TEST(ToTable, RowsInOrderWithDecodedParams) {
  HttpRequest r;
  r.method = "POST";
  r.url =
      "https://api.example.com/hook?name=Ren%C3%A9%20M&tag=a+b&flag&empty=&=v&&k=%E2%82%AC#frag";
  r.headers = {{"Content-Type", "application/json"}, {"X-Id", "42"}};
  r.body = "{\"a\":1}";
  const std::vector<TableRow> rows = to_table(r);
  const std::vector<std::vector<std::string>> expected = {
      {"request", "method", "POST"},
      {"request", "url", r.url},
      {"params", "name", "Ren\xc3\xa9 M"},
      {"params", "tag", "a+b"},
      {"params", "flag", ""},
      {"params", "empty", ""},
      {"params", "", "v"},
      {"params", "k", "\xe2\x82\xac"},
      {"headers", "Content-Type", "application/json"},
      {"headers", "X-Id", "42"},
      {"body", "body", "{\"a\":1}"},
  };
  ASSERT_EQ(rows.size(), expected.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].section, expected[i][0]) << i;
    EXPECT_EQ(rows[i].key, expected[i][1]) << i;
    EXPECT_EQ(rows[i].value, expected[i][2]) << i;
  }
}

TEST(ToTable, NoBodyRowForNullBodyAndNoParamsWithoutQuery) {
  HttpRequest r;
  r.method = "GET";
  r.url = "https://api.example.com/p";
  const std::vector<TableRow> rows = to_table(r);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].value, r.url);
  r.body = "";
  EXPECT_EQ(to_table(r).back().section, "body");
}

TEST(ToTable, UndecodableParamStaysEncoded) {
  HttpRequest r;
  r.method = "GET";
  r.url = "https://api.example.com/?bad=%FF%FE&half=%E2%82&pct=%zz";
  const std::vector<TableRow> rows = to_table(r);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[2].value, "%FF%FE");
  EXPECT_EQ(rows[3].value, "%E2%82");
  EXPECT_EQ(rows[4].value, "%zz");
}

// Regression: a body over Linux's 128 KiB exec-argument limit made the copied
// command fail with "Argument list too long"; it is now piped in by printf.
TEST(ToCurl, LargeBodyIsPipedThroughPrintf) {
  HttpRequest small{"POST",
                    "https://a.example/",
                    {{"Content-Type", "application/json"}},
                    std::string(128 * 1024 - 1, 'a')};
  EXPECT_EQ(to_curl(small).rfind("curl ", 0), 0u);
  EXPECT_NE(to_curl(small).find("--data-raw '"), std::string::npos);

  HttpRequest large = small;
  large.body = std::string(128 * 1024, 'a');
  const std::string command = to_curl(large);
  EXPECT_EQ(command.rfind("printf '%s' 'aaa", 0), 0u);
  EXPECT_NE(command.find("' |\ncurl --globoff"), std::string::npos);
  EXPECT_NE(command.find("--data-binary @-"), std::string::npos);
  EXPECT_EQ(command.find("--data-raw"), std::string::npos);
}

}  // namespace
}  // namespace hookcast
