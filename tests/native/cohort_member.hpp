// The member a cohort fixture entry (tests/fixtures/cohorts.json) describes,
// as cohort_test and cohort_triage_test feed it to the engine.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "fixtures.hpp"

namespace hookcast::test {

/// The entry's "member", or one built from its "properties" and "events",
/// with every event's ISO `at` as milliseconds.
inline nlohmann::json member_of(const nlohmann::json& entry) {
  if (entry.contains("member")) return entry["member"];
  nlohmann::json m = {{"id", "u"}};
  if (entry.contains("properties")) m["properties"] = entry["properties"];
  if (entry.contains("events")) {
    m["events"] = entry["events"];
    for (nlohmann::json& e : m["events"])
      if (e.is_object() && e.contains("at") && e["at"].is_string())
        e["at"] = iso(e["at"].get<std::string>());
  }
  return m;
}

}  // namespace hookcast::test
