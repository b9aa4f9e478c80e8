// Fuzzes the campaign and fatigue readers: the create/PATCH shape check, the
// launch check, the frequency-capping settings check and both fatigue batch
// surfaces (JSON ledgers, and packed doubles read straight from the input).
// None may crash or read past its input; every answer must be JSON of the
// documented shape; every shape problem must carry a documented code (codes
// under send.where come from the cohort reader, under webhook. from
// validate); a fatigue answer holds one reason letter per ledger.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "campaign_api.hpp"

namespace {

using nlohmann::json;

void check(bool ok) {
  if (!ok) std::abort();
}

const std::set<std::string> kCodes = {
    "invalid_json",    "invalid_type",    "required",          "out_of_range",
    "invalid_value",   "too_long",        "unknown_field",     "invalid_target",
    "too_many",        "until_before_at", "invalid_date_time", "invalid_signing_secret",
    "period_too_long", "schedule_in_past"};

const char* const kPolicy =
    R"({"campaign":"c1","resend":{"every":1,"unit":"months"},"frequencyCapping":true,)"
    R"("rules":[{"limit":2,"period":{"value":1,"unit":"days"}}]})";

// A {"ok", "problems"} answer: JSON, ok iff no problem, known codes.
void check_problems(const std::string& answer) {
  const json r = json::parse(answer, nullptr, false);
  check(!r.is_discarded() && r.is_object() && r["ok"].is_boolean() && r["problems"].is_array());
  check(r["ok"].get<bool>() == r["problems"].empty());
  for (const json& p : r["problems"]) {
    check(p["field"].is_string() && p["code"].is_string() && p["message"].is_string());
    check(p["severity"] == "error");
    const std::string field = p["field"].get<std::string>();
    const bool borrowed =
        field.compare(0, 10, "send.where") == 0 || field.compare(0, 8, "webhook.") == 0;
    check(borrowed || kCodes.count(p["code"].get<std::string>()) == 1);
  }
}

// A fatigue answer: n letters of "oarf", or a failure with problems.
void check_reasons(const std::string& answer, long expected) {
  const json r = json::parse(answer, nullptr, false);
  check(!r.is_discarded() && r.is_object() && r["ok"].is_boolean());
  if (!r["ok"].get<bool>()) {
    check(r["problems"].is_array() && !r["problems"].empty());
    return;
  }
  const std::string letters = r["reasons"].get<std::string>();
  if (expected >= 0) check(static_cast<long>(letters.size()) == expected);
  for (const char c : letters) check(std::strchr("oarf", c) != nullptr);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  namespace api = hookcast::api;
  check_problems(api::check_campaign(text, false));
  check_problems(api::check_campaign(text, true));
  check_problems(api::check_frequency_capping(text));
  check_problems(
      api::launch_check(text, R"({"nowMs":1781524800000,"scheduleAtMs":1781524700000})"));
  check_problems(api::launch_check(R"({"title":"t","send":{"type":"api"}})", text));

  // The text as ledgers; when it is a JSON array, one letter per element.
  const json doc = json::parse(text.begin(), text.end(), nullptr, false);
  const long ledgers = !doc.is_discarded() && doc.is_array() ? static_cast<long>(doc.size()) : -1;
  check_reasons(api::fatigue_batch(kPolicy, text, 1781524800000.0), ledgers);
  check_reasons(api::fatigue_batch(text, "[[],[{\"campaign\":\"c1\",\"at\":0}]]", 0), 2);

  // The same bytes as packed doubles (whatever their values: NaN, huge,
  // negative, counts past the end).
  std::vector<double> packed(size / sizeof(double));
  if (!packed.empty()) std::memcpy(packed.data(), data, packed.size() * sizeof(double));
  check_reasons(api::fatigue_batch_packed(kPolicy, R"(["c1","c2"])", packed.data(), packed.size(),
                                          1781524800000.0),
                -1);
  return 0;
}
