#include "frequency_capping.hpp"

#include <nlohmann/json.hpp>
#include <utility>

#include "json_shape.hpp"

namespace hookcast {

using nlohmann::json;

Problems read_cap_rules(const json& rules_json, const std::string& base,
                        std::vector<CapRule>* rules) {
  Problems out;
  JsonShape shape(out);
  if (!rules_json.is_array()) {
    shape.wrong_type(base, "a list of rules {limit, period: {value, unit}}", rules_json);
    return out;
  }
  if (rules_json.size() > kMaxCapRules) {
    shape.error(base, "too_many",
                "Frequency capping can have at most " + std::to_string(kMaxCapRules) +
                    " rules; it has " + std::to_string(rules_json.size()) + ".");
    return out;
  }
  std::vector<CapRule> read;
  for (std::size_t i = 0; i < rules_json.size(); ++i) {
    const json& r = rules_json[i];
    const std::string at = base + "[" + std::to_string(i) + "]";
    if (!shape.object(r, at, "a rule {limit, period: {value, unit}}")) continue;
    shape.only(r, at, {"limit", "period"}, "a frequency-capping rule");
    CapRule rule;
    const json* limit = shape.member(r, "limit", at + ".limit", true,
                                     "A rule needs a limit: at most how many messages.");
    std::optional<std::int64_t> n;
    if (limit) n = shape.integer(*limit, at + ".limit", 1, kMaxCapLimit);
    const json* period = shape.member(r, "period", at + ".period", true,
                                      "A rule needs a period, e.g. {\"value\": 1, \"unit\": "
                                      "\"days\"}.");
    if (!period || !shape.object(*period, at + ".period", "an object {value, unit}")) continue;
    shape.only(*period, at + ".period", {"value", "unit"}, "a period");
    const json* value = shape.member(*period, "value", at + ".period.value", true,
                                     "A period needs a value, e.g. 1.");
    const std::string unit_needed =
        "A period needs a unit: " + time_unit_names(kCapPeriodUnits) + ".";
    const json* unit_json =
        shape.member(*period, "unit", at + ".period.unit", true, unit_needed.c_str());
    std::optional<std::int64_t> v;
    if (value) v = shape.integer(*value, at + ".period.value", 1, kMaxCapPeriodValue);
    std::optional<TimeUnit> unit;
    if (unit_json) {
      unit = shape.unit(*unit_json, at + ".period.unit", kCapPeriodUnits);
    }
    if (!v || !unit) continue;
    rule.value = *v;
    rule.unit = *unit;
    rule.window_ms = *v * fixed_unit_ms(*unit);
    if (rule.window_ms > kMaxCapWindowMs) {
      shape.error(at + ".period.value", "period_too_long",
                  "A frequency-capping period can be at most 30 days; " + std::to_string(*v) + " " +
                      std::string(time_unit_name(*unit)) + " is longer.");
      continue;
    }
    if (!n) continue;
    rule.limit = *n;
    read.push_back(rule);
  }
  if (out.empty() && rules) *rules = std::move(read);
  return out;
}

Problems check_frequency_capping(const json& settings, std::vector<CapRule>* rules) {
  Problems out;
  JsonShape shape(out);
  if (!shape.object(settings, "settings", "an object {rules: [...]}")) return out;
  shape.only(settings, "", {"rules"}, "the frequency-capping settings");
  const json* list = shape.member(settings, "rules", "rules", true,
                                  "The settings need rules: a list, empty for no cap.");
  if (list) {
    for (Problem& p : read_cap_rules(*list, "rules", out.empty() ? rules : nullptr))
      out.push_back(std::move(p));
  }
  return out;
}

}  // namespace hookcast
