// The fast JSON reader and escaper on the per-render path.
#include "json_text.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "unicode.hpp"

using hookcast::Buffer;
using hookcast::JsonDoc;
using hookcast::JsonType;

namespace {

std::string escaped(const std::string& text) {
  Buffer b;
  hookcast::append_json_escaped(b, text);
  return b.str();
}

TEST(JsonEscape, QuotesBackslashesAndControls) {
  EXPECT_EQ(escaped("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(escaped("\n\r\t\b\f"), "\\n\\r\\t\\b\\f");
  EXPECT_EQ(escaped(std::string("\0\x01\x1f", 3)), "\\u0000\\u0001\\u001f");
  EXPECT_EQ(escaped("\x7f</script>"), "\x7f</script>");
}

TEST(JsonEscape, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(escaped("h\xC3\xA9 \xF0\x9F\x98\x80"), "h\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(escaped("a\xFF"
                    "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(escaped("\xC3"), "\xEF\xBF\xBD");                                  // truncated
  EXPECT_EQ(escaped("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong
  EXPECT_EQ(escaped("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(escaped("\xF4\x90\x80\x80").substr(0, 3), "\xEF\xBF\xBD");         // > U+10FFFF
}

TEST(JsonEscape, EveryByteStringEscapesToValidJson) {
  // Long runs cross the 8-byte fast path at every alignment.
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t shift = 0; shift < 9; ++shift) {
    const std::string text = std::string(shift, 'a') + all + all;
    const std::string json = "\"" + escaped(text) + "\"";
    const auto parsed = nlohmann::json::parse(json, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << shift;
    ASSERT_TRUE(parsed.is_string());
  }
  const std::string ascii = "plain text with \"quotes\" and \\ backslashes\n, long enough";
  EXPECT_EQ(nlohmann::json::parse("\"" + escaped(ascii) + "\"").get<std::string>(), ascii);
}

TEST(JsonEscape, FindInvalidUtf8) {
  EXPECT_EQ(hookcast::find_invalid_utf8("ok \xC3\xA9"), std::string_view::npos);
  EXPECT_EQ(hookcast::find_invalid_utf8("ok \xC3"), 3u);
  EXPECT_EQ(hookcast::find_invalid_utf8("\xE0\x80\x80"), 0u);
}

TEST(JsonDoc, ParsesIntoAFlatArena) {
  JsonDoc doc;
  ASSERT_TRUE(doc.parse(R"( {"a": [1, -2.5e3, "x"], "b": {"c": null}, "d": true} )"));
  EXPECT_EQ(doc.node(0).type, JsonType::kObject);
  EXPECT_EQ(doc.node(0).count, 3u);
  const auto a = doc.find(0, "a");
  ASSERT_NE(a, JsonDoc::kNone);
  EXPECT_EQ(doc.node(a).type, JsonType::kArray);
  EXPECT_EQ(doc.node(a).count, 3u);
  EXPECT_EQ(doc.raw(doc.element(a, 1)), "-2.5e3");
  EXPECT_EQ(doc.raw(doc.element(a, -1)), "x");
  EXPECT_EQ(doc.element(a, 3), JsonDoc::kNone);
  EXPECT_EQ(doc.element(a, -4), JsonDoc::kNone);
  const auto b = doc.find(0, "b");
  EXPECT_EQ(doc.node(doc.find(b, "c")).type, JsonType::kNull);
  EXPECT_EQ(doc.node(doc.find(0, "d")).type, JsonType::kTrue);
  EXPECT_EQ(doc.find(0, "zz"), JsonDoc::kNone);
  Buffer compact;
  doc.append_compact(0, compact);
  EXPECT_EQ(compact.str(), R"({"a":[1,-2.5e3,"x"],"b":{"c":null},"d":true})");
}

TEST(JsonDoc, DecodesEscapesAndSurrogates) {
  JsonDoc doc;
  ASSERT_TRUE(
      doc.parse(R"(["a\"b\\\/\n\u00e9\ud83d\ude00", "\ud800x", "\udc00", "\ud800\u0041"])"));
  Buffer b;
  doc.append_string(doc.element(0, 0), b);
  EXPECT_EQ(b.str(), "a\"b\\/\n\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_FALSE(doc.node(doc.element(0, 0)).lone_surrogate);
  for (int i = 1; i < 4; ++i) EXPECT_TRUE(doc.node(doc.element(0, i)).lone_surrogate) << i;
  b.clear();
  doc.append_string(doc.element(0, 1), b);
  EXPECT_EQ(b.str(), "\xEF\xBF\xBDx");
  b.clear();
  doc.append_string(doc.element(0, 3), b);
  EXPECT_EQ(b.str(),
            "\xEF\xBF\xBD"
            "A");
  b.clear();
  doc.append_compact(0, b);
  EXPECT_FALSE(nlohmann::json::parse(b.str(), nullptr, false).is_discarded()) << b.str();
  EXPECT_EQ(doc.utf16_length(doc.element(0, 0)), 9u);  // 7 BMP + a surrogate pair
}

TEST(JsonDoc, RejectsWhatNlohmannRejects) {
  const char* bad[] = {"",      " ",        "{",       "[1,]",       "{\"a\" 1}", "{\"a\":1,}",
                       "01",    "1.",       ".5",      "-",          "1e",        "tru",
                       "nul",   "\"a",      "\"\\x\"", "\"\\u12\"",  "\"a\nb\"",  "[1]x",
                       "{1:2}", "\"\xC3\"", "1e400",   "[\"\xFF\"]", "{\"a\":}",  "[,1]"};
  for (const char* text : bad) {
    JsonDoc doc;
    hookcast::JsonError error;
    EXPECT_FALSE(doc.parse(text, &error)) << text;
    EXPECT_FALSE(error.reason.empty());
    EXPECT_TRUE(nlohmann::json::parse(text, nullptr, false).is_discarded()) << text;
  }
  const char* good[] = {"0",
                        "-0",
                        "1E+2",
                        "\"\"",
                        "[]",
                        "{}",
                        "[[[]]]",
                        "\xEF\xBB\xBF{}",
                        " \t\r\n[ 1 , { \"a\" : [ ] } ] "};
  for (const char* text : good) {
    JsonDoc doc;
    EXPECT_TRUE(doc.parse(text)) << text;
  }
}

TEST(JsonDoc, DeepNestingNeedsNoRecursion) {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  JsonDoc doc;
  ASSERT_TRUE(doc.parse(deep));
  Buffer b;
  doc.append_compact(0, b);
  EXPECT_EQ(b.str(), deep);
}

TEST(JsonDoc, ErrorOffsets) {
  JsonDoc doc;
  hookcast::JsonError error;
  EXPECT_FALSE(doc.parse("{\"a\": x}", &error));
  EXPECT_EQ(error.offset, 6u);
}

TEST(JsonDoc, ReuseAcrossParses) {
  JsonDoc doc;
  ASSERT_TRUE(doc.parse("{\"a\":{\"b\":[1,2,3]}}"));
  ASSERT_TRUE(doc.parse("[true]"));
  EXPECT_EQ(doc.size(), 2u);
  EXPECT_FALSE(doc.parse("[tru]"));
  EXPECT_EQ(doc.size(), 0u);
}

}  // namespace

namespace {

TEST(JsonEscape, AsciiVariantEscapesEveryNonAsciiCharacter) {
  hookcast::Buffer b;
  hookcast::append_json_escaped_ascii(b, "S\xC3\xA3o \xE2\x80\xA8 \xF0\x9F\x98\x80 \xFF \"q\"");
  EXPECT_EQ(b.str(), "S\\u00e3o \\u2028 \\ud83d\\ude00 \\ufffd \\\"q\\\"");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  all += "h\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80";
  b.clear();
  hookcast::append_json_escaped_ascii(b, all);
  for (const char c : b.view()) EXPECT_LT(static_cast<unsigned char>(c), 0x80u);
  hookcast::Buffer plain;
  hookcast::append_json_escaped(plain, all);
  EXPECT_EQ(nlohmann::json::parse("\"" + b.str() + "\""),
            nlohmann::json::parse("\"" + plain.str() + "\""));
}

}  // namespace
