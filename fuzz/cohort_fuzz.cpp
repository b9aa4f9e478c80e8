// Fuzzes the cohort rule reader and evaluator. The input is a rule's JSON
// text, optionally followed by a NUL byte and a JSON array of members. The
// reader must never crash; every problem must be located under "rule" with a
// documented code; validating and compiling must agree; a rule that compiles
// must evaluate any members (and a fixed set) to '0', '1' or '?', triage
// them consistently with that, and answer needs() with no key twice.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "cohort.hpp"
#include "cohort_api.hpp"
#include "json_text.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

const char* const kMembers =
    R"([{"id":"a","properties":{"plan":"pro","age":30,"tags":["x",1,true],"seen":"2026-06-10",
         "address":{"city":"Seoul"}},"events":[{"key":"purchase","at":1781000000000,
         "properties":{"amount":12}},{"key":"view","at":"2026-06-15T00:00:00Z"},{"key":"p"}]},
        {"id":"b"},{"properties":null,"events":[]},5,{"events":[{"at":1}]}])";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view rule = input.substr(0, nul);
  const std::string_view members =
      nul == std::string_view::npos ? std::string_view(kMembers) : input.substr(nul + 1);

  static const std::set<std::string> kCodes = {
      "invalid_json",     "invalid_type",   "invalid_rule",  "required",
      "unknown_operator", "unknown_unit",   "invalid_value", "empty_group",
      "rule_too_deep",    "rule_too_large", "unknown_field"};
  hookcast::CompiledCohort cohort;
  const hookcast::Problems problems = hookcast::compile_cohort(rule, &cohort);
  const hookcast::Problems validated = hookcast::compile_cohort(rule, nullptr);
  check(problems.size() == validated.size());
  for (std::size_t i = 0; i < problems.size(); ++i) {
    const hookcast::Problem& p = problems[i];
    check(p.field.compare(0, 4, "rule") == 0);
    check(kCodes.count(p.code) == 1);
    check(!p.message.empty());
    check((p.code == "unknown_field") == (p.severity == hookcast::Severity::kWarning));
    check(p.field == validated[i].field && p.code == validated[i].code);
  }
  if (hookcast::has_error(problems)) return 0;

  for (std::int64_t now : {std::int64_t{1781524800000}, std::int64_t{0}, hookcast::kMaxTimeMs,
                           -hookcast::kMaxTimeMs}) {
    const hookcast::CohortNeeds needs = cohort.needs(now);
    std::set<std::string> keys;
    for (const auto& e : needs.events) {
      check(keys.insert(e.key).second);
      if (e.since_ms) check(*e.since_ms <= now);
    }
    for (std::string_view list : {std::string_view(kMembers), members}) {
      hookcast::JsonDoc doc;
      if (!doc.parse(list) || doc.node(0).type != hookcast::JsonType::kArray) continue;
      hookcast::CohortScratch scratch;
      const std::uint32_t end = doc.node(0).next;
      for (std::uint32_t i = 1; i < end; i = doc.node(i).next) {
        const char c = static_cast<char>(cohort.evaluate(doc, i, now, scratch));
        check(c == '0' || c == '1' || c == '?');
        // Two phases answer as one (cohort.hpp, triage()): a decided triage
        // is the full answer whenever that answer is not '?' (which
        // malformed events, unread by the triage, may cause).
        const char t = static_cast<char>(cohort.triage(doc, i, now, scratch));
        check(t == '0' || t == '1' || t == 'e' || t == '?');
        check(t != '?' || c == '?');
        if (c != '?') check(t == 'e' || t == c);
      }
    }
  }
  return 0;
}
