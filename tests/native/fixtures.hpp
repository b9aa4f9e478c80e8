// What the native tests share for reading JSON: the fixture files in
// tests/fixtures/ (also read by the JS suites) and the api's JSON answers.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "calendar.hpp"

namespace hookcast::test {

/// tests/fixtures/<name> parsed; a failure (and a discarded value) when it
/// is missing or not JSON.
inline nlohmann::json load_fixture(const std::string& name) {
  std::ifstream in(std::string(HOOKCAST_FIXTURES) + "/" + name, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) ADD_FAILURE() << "tests/fixtures/" << name << " is missing or not JSON";
  return j;
}

/// `text` (an api answer) parsed; a failure when it is not JSON.
inline nlohmann::json parse(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << text;
  return j;
}

/// ISO 8601 `text` as ms since the epoch; a failure (and 0) when it does not parse.
inline std::int64_t iso(const std::string& text) {
  const auto ms = hookcast::parse_iso8601(text);
  EXPECT_TRUE(ms.has_value()) << text;
  return ms.value_or(0);
}

}  // namespace hookcast::test
