// Cohort rules: who is in a campaign's target. A rule is read once from JSON
// (checked, with located problems), compiled into a tree, and evaluated per
// user from that user's properties, events and `now` — the same code in the
// worker's shards and in the dashboard's estimate.
//
// The rule language (docs/rules.md):
//   {"all": [rule…]}   {"any": [rule…]}   {"not": rule}          groups nest
//   {"property": "plan", "op": "eq", "value": "pro"}             a user property
//   {"event": "purchase", "op": "did" | "did_not",               the user's events
//    "where": [property condition…],                             on the event's properties
//    "count": {"op": "gte" | "lte" | "eq", "value": 2},          default gte 1
//    "within": {"last": 30, "unit": "days"}}                     default: every kept event
//
// Semantics, where the contract leaves a choice:
// * Property names are exact keys of the properties object; a name holding
//   dots that is not itself a key is read as a path ("address.city").
// * A user property named "id" that the properties do not hold is the user's
//   id (so `{"property": "id", "op": "in", "value": [...]}` targets users).
// * A property set to null is missing (the HTTP API removes null properties).
// * A missing property matches only `not_exists`, `ne`, `not_in` and
//   `not_contains` (as Braze and Amplitude do: "plan ne pro" includes users
//   without a plan). In general `ne`, `not_in`, `not_contains` are exactly the
//   negations of `eq`, `in`, `contains`.
// * Comparisons are typed by the rule's value:
//   - a number compares numerically with a number property or a string
//     property holding a decimal number ("42", " 4.2e1 "); anything else
//     does not match;
//   - a string compares as text, byte by byte (case-sensitive; UTF-8 byte
//     order is code-point order), with a string property, or with the JSON
//     text of a number property (42 → "42") or a boolean one ("true");
//   - a boolean compares with a boolean property or the strings "true" and
//     "false".
//   Arrays and objects match none of these (use `contains` for arrays).
// * `contains` on an array property is membership (typed equality as for
//   `eq`); on a string property it is a substring test with the value's text
//   (a whole number's digits, "true"/"false"; a fractional number matches
//   list members only).
//   `starts_with` / `ends_with` apply to strings (and the text of numbers).
// * `between [low, high]` is inclusive; both bounds numbers or both strings.
// * `before` / `after` take ISO 8601 text (no offset = UTC) and are strict
//   (`before 2026-12-01` excludes 2026-12-01T00:00:00.000Z). The property may
//   hold ISO 8601 text or a number of milliseconds since the epoch.
// * `within_last {last, unit}` holds when the property's date is within
//   [now − last units, now] (calendar months for "months"); a future date does
//   not match.
// * An event condition counts the user's events with that key whose `where`
//   conditions all hold (on the event's properties) and, with `within`, whose
//   time is within [now − within, now]; it holds when that count compares as
//   `count` says (default gte 1). `did_not` is the negation of the same `did`.
//
// Problem codes of the reader (field paths start at "rule"):
//   invalid_json     the rule text is not JSON (JSON API only)
//   invalid_type     a member has the wrong JSON type ("rule.all" not a list)
//   invalid_rule     an object that is neither one group nor one condition
//   required         a required member is missing or null ("rule.op")
//   unknown_operator an op that is not in the lists (property ops; did/did_not;
//                    count's gte/lte/eq)
//   unknown_unit     a unit other than minutes, hours, days, weeks, months
//   invalid_value    a value of the right type but unusable for its operator
//                    (between low > high, an empty in-list, a date that is not
//                    ISO 8601, a count below 0, an empty property name, …)
//   empty_group      "all" or "any" with no rule in it
//   rule_too_deep    groups nested deeper than kMaxCohortDepth
//   rule_too_large   more than kMaxCohortNodes conditions and groups
//   unknown_field    (warning) a member the rule language does not know
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "buffer.hpp"
#include "calendar.hpp"
#include "json_text.hpp"
#include "problem.hpp"

namespace hookcast {

/// Deepest nesting of rules accepted: the top-level rule is depth 1.
constexpr int kMaxCohortDepth = 32;
/// Most rules (groups, conditions and `where` conditions) in one cohort.
constexpr int kMaxCohortNodes = 1000;
/// Most values in one `in` / `not_in` list.
constexpr std::size_t kMaxCohortListValues = 10000;
/// Largest `count.value` and `within.last` / `within_last.last` accepted.
constexpr std::int64_t kMaxCohortNumber = 1'000'000'000;

/// Operators of a property condition.
enum class PropertyOp {
  kEq,
  kNe,
  kIn,
  kNotIn,
  kContains,
  kNotContains,
  kStartsWith,
  kEndsWith,
  kGt,
  kGte,
  kLt,
  kLte,
  kBetween,
  kExists,
  kNotExists,
  kBefore,
  kAfter,
  kWithinLast,
};

/// Every property operator, in the order the dashboard lists them.
constexpr PropertyOp kPropertyOps[] = {
    PropertyOp::kEq,       PropertyOp::kNe,          PropertyOp::kIn,         PropertyOp::kNotIn,
    PropertyOp::kContains, PropertyOp::kNotContains, PropertyOp::kStartsWith, PropertyOp::kEndsWith,
    PropertyOp::kGt,       PropertyOp::kGte,         PropertyOp::kLt,         PropertyOp::kLte,
    PropertyOp::kBetween,  PropertyOp::kExists,      PropertyOp::kNotExists,  PropertyOp::kBefore,
    PropertyOp::kAfter,    PropertyOp::kWithinLast,
};

/// The rule-language name of a property operator: "eq", "not_in", "within_last"…
std::string_view property_op_name(PropertyOp op);
/// The operator named `name` (exact, lower case), or nullopt.
std::optional<PropertyOp> parse_property_op(std::string_view name);

/// How an event condition's count compares: at least, at most, exactly.
enum class CountOp { kGte, kLte, kEq };
/// Every count operator: "gte", "lte", "eq".
constexpr CountOp kCountOps[] = {CountOp::kGte, CountOp::kLte, CountOp::kEq};
/// "gte" | "lte" | "eq".
std::string_view count_op_name(CountOp op);

/// Names of the event operators, in order: "did", "did_not".
constexpr std::string_view kEventOpNames[] = {"did", "did_not"};

/// A literal value of a rule: text, number or boolean.
struct RuleLiteral {
  enum class Type { kString, kNumber, kBoolean };
  Type type = Type::kString;
  /// A string's text; a whole number's digits ("42"; empty for other
  /// numbers); "true"/"false".
  std::string text;
  double number = 0;
  bool boolean = false;
};

/// "The last N units", for within_last and an event's within.
struct RulePeriod {
  std::int64_t last = 1;
  TimeUnit unit = TimeUnit::kDays;
  /// Index of this period among the compiled cohort's periods (so a batch
  /// computes now − period once, not once per user).
  std::uint32_t slot = 0;
};

/// `{"property": name, "op": op, "value": …}`.
struct PropertyCondition {
  std::string name;
  /// The dotted path of `name` when it holds dots (tried when the exact key is absent).
  std::vector<std::string> path;
  PropertyOp op = PropertyOp::kExists;
  /// eq ne contains not_contains starts_with ends_with gt gte lt lte: one;
  /// in not_in: one or more; between: low, high; the others: none.
  std::vector<RuleLiteral> values;
  /// before / after: the value's time in UTC milliseconds.
  std::int64_t date_ms = 0;
  /// within_last.
  RulePeriod period;
};

/// `{"event": key, "op": "did"|"did_not", "where"?, "count"?, "within"?}`.
struct EventCondition {
  std::string key;
  bool did = true;
  std::vector<PropertyCondition> where;
  CountOp count_op = CountOp::kGte;
  std::int64_t count = 1;
  std::optional<RulePeriod> within;
};

/// One node of a compiled rule tree.
struct CohortNode {
  enum class Kind { kAll, kAny, kNot, kProperty, kEvent };
  Kind kind = Kind::kAll;
  /// kAll / kAny: one or more; kNot: exactly one.
  std::vector<CohortNode> children;
  PropertyCondition property;  ///< kProperty
  EventCondition event;        ///< kEvent
  /// True when an event condition is at or below this node.
  bool reads_events = false;
};

/// What a rule reads, so a store can load only those rows.
struct CohortNeeds {
  struct Events {
    std::string key;
    /// Earliest event time the rule can look at; nullopt: every kept event.
    std::optional<std::int64_t> since_ms;
    /// True when a condition on this key reads the event's properties (has
    /// `where`); otherwise a store may leave them out of the member.
    bool properties = false;
  };
  /// True when some condition reads the user's properties.
  bool properties = false;
  /// Each event key read, once, in the order the rule first names it.
  std::vector<Events> events;
};

/// Whether a member is in a cohort. kInvalid: the member's JSON does not
/// have the member's shape where the rule reads it (see CompiledCohort::evaluate).
/// kNeedsEvents: only from CompiledCohort::triage, the answer depends on
/// the member's events.
enum class Membership : char { kOut = '0', kIn = '1', kInvalid = '?', kNeedsEvents = 'e' };

/// Reusable memory for evaluating many members (one per thread).
struct CohortScratch {
  struct EventView {
    std::uint32_t key = 0;         ///< string node of the event's key
    std::uint32_t properties = 0;  ///< object node, or JsonDoc::kNone
    double at = 0;
    bool has_at = false;
  };
  std::vector<EventView> events;
  std::vector<double> since;  ///< per period slot: now − period
  Buffer text;
};

/// A rule read and checked once, evaluated for many members.
class CompiledCohort {
 public:
  /// The rule tree (groups' children ordered with event-free rules first:
  /// the cheap property tests decide most users before any event is read).
  const CohortNode& root() const { return root_; }

  /// What the rule reads at `now_ms`: whether it reads properties, and which
  /// event keys from which time (the earliest `within` start of that key, or
  /// nullopt when some condition on it has no `within`).
  CohortNeeds needs(std::int64_t now_ms) const;

  /// Evaluates the member at node `member` of `doc`:
  /// `{"id"?, "properties"?: {…}, "events"?: [{"key", "at"?, "properties"?}…]}`.
  /// `at` is milliseconds since the epoch (a number) or ISO 8601 text; an
  /// event without `at` is never within a period. Returns kInvalid when the
  /// member is not an object, its properties not an object, its events not a
  /// list, or (once the rule reads events) an event is not an object with a
  /// string key, an `at` of another type, or properties that are not an object.
  Membership evaluate(const JsonDoc& doc, std::uint32_t member, std::int64_t now_ms,
                      CohortScratch& scratch) const;

  /// The first phase of a two-phase evaluation: decides the member from its
  /// id and properties alone, reading no event (its `events`, if any, are
  /// only checked to be a list). Event conditions are unknown and the rule is
  /// read in three-valued (Kleene) logic: kIn / kOut when the rule holds /
  /// fails whatever the events are, kNeedsEvents otherwise, kInvalid as
  /// evaluate() for the member's and its properties' shape. A store then
  /// reads events only for kNeedsEvents members and evaluate()s them in full.
  /// Whenever evaluate() does not answer kInvalid for the full member (its
  /// events are well-formed, as a store's rows are), a decided answer here
  /// equals evaluate()'s.
  Membership triage(const JsonDoc& doc, std::uint32_t member, std::int64_t now_ms,
                    CohortScratch& scratch) const;

 private:
  friend Problems compile_cohort(std::string_view rule_json, CompiledCohort* out);
  CohortNode root_;
  /// The periods' lengths by slot, for CohortScratch::since.
  std::vector<RulePeriod> periods_;
};

/// Reads and checks a rule given as JSON text. Returns every problem found
/// (errors and unknown_field warnings), with fields such as "rule",
/// "rule.all[1].op", "rule.any[0].where[2].value", "rule.not.count.op",
/// "rule.within.unit". When there is no error and `out` is given, fills it.
Problems compile_cohort(std::string_view rule_json, CompiledCohort* out);

/// Evaluates one member given as JSON text (a convenience over evaluate();
/// kInvalid when the text is not JSON).
Membership match_cohort_json(const CompiledCohort& cohort, std::string_view member_json,
                             std::int64_t now_ms);

}  // namespace hookcast
