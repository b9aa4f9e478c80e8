#include "cohort.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "calendar.hpp"
#include "json_shape.hpp"
#include "json_text.hpp"

namespace hookcast {
namespace {

using nlohmann::json;

// ---- names -----------------------------------------------------------------

constexpr std::string_view kPropertyOpNames[] = {
    "eq",          "ne",        "in",         "not_in", "contains", "not_contains",
    "starts_with", "ends_with", "gt",         "gte",    "lt",       "lte",
    "between",     "exists",    "not_exists", "before", "after",    "within_last",
};

std::string list_names(const std::string_view* names, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) out.append(i + 1 == n ? " or " : ", ");
    out.append(names[i]);
  }
  return out;
}

// ---- the reader (nlohmann, at the edge) ----------------------------------------

bool is_scalar(const json& v) { return v.is_string() || v.is_number() || v.is_boolean(); }

RuleLiteral literal_of(const json& v) {
  RuleLiteral lit;
  if (v.is_string()) {
    lit.type = RuleLiteral::Type::kString;
    lit.text = v.get<std::string>();
  } else if (v.is_boolean()) {
    lit.type = RuleLiteral::Type::kBoolean;
    lit.boolean = v.get<bool>();
    lit.text = lit.boolean ? "true" : "false";
  } else {
    lit.type = RuleLiteral::Type::kNumber;
    lit.number = v.get<double>();
    // The digits of a whole number, for `contains` on a text property. Other
    // numbers get no text (they match list members only): writing them as
    // JavaScript does would pull nlohmann's serializer and printf into the
    // wasm module (+10 KiB) for a corner case.
    if (lit.number == std::floor(lit.number) && std::fabs(lit.number) < 1e15)
      lit.text = std::to_string(static_cast<long long>(lit.number));
  }
  return lit;
}

// A whole number in [min, kMaxCohortNumber], whatever JSON number form it has.
std::optional<std::int64_t> whole_number(const json& v, std::int64_t min) {
  if (!v.is_number()) return std::nullopt;
  const double d = v.get<double>();
  if (!(d >= static_cast<double>(min) && d <= static_cast<double>(kMaxCohortNumber)) ||
      d != std::floor(d))
    return std::nullopt;
  return static_cast<std::int64_t>(d);
}

class Reader {
 public:
  explicit Reader(Problems& problems) : problems_(problems) {}

  // Reads the rule at `j`; false when it has an error (problems say which).
  bool node(const json& j, const std::string& path, int depth, CohortNode& out) {
    if (depth > kMaxCohortDepth) {
      error(path, "rule_too_deep",
            "Rules are nested more than " + std::to_string(kMaxCohortDepth) +
                " levels deep here; flatten the groups.");
      return false;
    }
    if (!count_node()) return false;
    if (!j.is_object()) {
      error(path, "invalid_type",
            path +
                " must be a rule object such as {\"all\": [...]}, {\"property\": ...} or "
                "{\"event\": ...}, not " +
                json_type_name(j) + ".");
      return false;
    }
    static const char* const kKinds[] = {"all", "any", "not", "property", "event"};
    const char* kind = nullptr;
    for (const char* k : kKinds) {
      if (!j.contains(k)) continue;
      if (kind) {
        error(path, "invalid_rule",
              path + " mixes \"" + kind + "\" and \"" + k +
                  "\"; a rule is one group or one condition (combine them in an \"all\" group).");
        return false;
      }
      kind = k;
    }
    if (!kind) {
      error(path, "invalid_rule",
            path +
                " is neither a group (\"all\", \"any\", \"not\") nor a condition "
                "(\"property\", \"event\").");
      return false;
    }
    const std::string name(kind);
    if (name == "all" || name == "any") {
      warn_unknown(j, path, {name.c_str()});
      out.kind = name == "all" ? CohortNode::Kind::kAll : CohortNode::Kind::kAny;
      const json& list = j[name];
      const std::string field = path + "." + name;
      if (!list.is_array()) {
        type_error(field, "a list of rules", list);
        return false;
      }
      if (list.empty()) {
        error(field, "empty_group",
              field + " holds no rule; add at least one or remove the group.");
        return false;
      }
      bool ok = true;
      out.children.resize(list.size());
      for (std::size_t i = 0; i < list.size(); ++i) {
        ok = node(list[i], field + "[" + std::to_string(i) + "]", depth + 1, out.children[i]) && ok;
        if (too_large_) return false;
      }
      return ok;
    }
    if (name == "not") {
      warn_unknown(j, path, {"not"});
      out.kind = CohortNode::Kind::kNot;
      out.children.resize(1);
      return node(j["not"], path + ".not", depth + 1, out.children[0]);
    }
    if (name == "property") {
      out.kind = CohortNode::Kind::kProperty;
      return property(j, path, out.property);
    }
    out.kind = CohortNode::Kind::kEvent;
    return event(j, path, out.event);
  }

  std::vector<RulePeriod> periods;

 private:
  void error(const std::string& field, const char* code, std::string message) {
    problems_.push_back(Problem{field, code, std::move(message), Severity::kError});
  }
  void type_error(const std::string& field, const char* expected, const json& got) {
    JsonShape(problems_).wrong_type(field, expected, got);
  }
  void required(const std::string& field, const char* what) {
    error(field, "required", field + " is required: " + what + ".");
  }

  bool count_node() {
    if (too_large_) return false;
    if (++nodes_ > kMaxCohortNodes) {
      too_large_ = true;
      error("rule", "rule_too_large",
            "The rule has more than " + std::to_string(kMaxCohortNodes) +
                " groups and conditions; split the audience into smaller cohorts.");
      return false;
    }
    return true;
  }

  void warn_unknown(const json& j, const std::string& path,
                    std::initializer_list<const char*> known) {
    for (const auto& item : j.items()) {
      bool found = false;
      for (const char* k : known) found = found || item.key() == k;
      if (found) continue;
      std::string names;
      for (const char* k : known) names += names.empty() ? std::string(k) : ", " + std::string(k);
      problems_.push_back(Problem{path + "." + item.key(), "unknown_field",
                                  "\"" + item.key() +
                                      "\" is not part of this rule and is ignored " +
                                      "(known here: " + names + ").",
                                  Severity::kWarning});
    }
  }

  // A required, non-empty text member.
  bool name_member(const json& j, const std::string& path, const char* key, const char* what,
                   std::string& out) {
    const std::string field = path + "." + key;
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      required(field, what);
      return false;
    }
    if (!it->is_string()) {
      type_error(field, "a text", *it);
      return false;
    }
    out = it->get<std::string>();
    if (out.empty()) {
      error(field, "invalid_value", field + " is empty; name " + what + ".");
      return false;
    }
    return true;
  }

  // The op member as text (nullptr with a problem when missing or not text).
  const std::string* op_member(const json& j, const std::string& path, const char* what) {
    const std::string field = path + ".op";
    const auto it = j.find("op");
    if (it == j.end() || it->is_null()) {
      required(field, what);
      return nullptr;
    }
    if (!it->is_string()) {
      type_error(field, "a text", *it);
      return nullptr;
    }
    return &it->get_ref<const std::string&>();
  }

  bool period(const json& j, const std::string& field, RulePeriod& out) {
    if (!j.is_object()) {
      type_error(field, "an object {\"last\": 30, \"unit\": \"days\"}", j);
      return false;
    }
    warn_unknown(j, field, {"last", "unit"});
    bool ok = true;
    const auto last = j.find("last");
    if (last == j.end() || last->is_null()) {
      required(field + ".last", "how many units back, e.g. 30");
      ok = false;
    } else if (!last->is_number()) {
      type_error(field + ".last", "a number", *last);
      ok = false;
    } else if (const auto n = whole_number(*last, 1)) {
      out.last = *n;
    } else {
      error(field + ".last", "invalid_value",
            field + ".last must be a whole number from 1 to " + std::to_string(kMaxCohortNumber) +
                ".");
      ok = false;
    }
    const auto unit = j.find("unit");
    if (unit == j.end() || unit->is_null()) {
      required(field + ".unit", "minutes, hours, days, weeks or months");
      ok = false;
    } else if (!unit->is_string()) {
      type_error(field + ".unit", "a text", *unit);
      ok = false;
    } else if (const auto u = parse_time_unit(unit->get_ref<const std::string&>())) {
      out.unit = *u;
    } else {
      error(field + ".unit", "unknown_unit",
            "\"" + unit->get<std::string>() +
                "\" is not a unit; use minutes, hours, days, weeks or months.");
      ok = false;
    }
    if (ok) {
      out.slot = static_cast<std::uint32_t>(periods.size());
      periods.push_back(out);
    }
    return ok;
  }

  bool property(const json& j, const std::string& path, PropertyCondition& out) {
    warn_unknown(j, path, {"property", "op", "value"});
    bool ok = name_member(j, path, "property", "the property to test", out.name);
    if (ok && out.name.find('.') != std::string::npos) {
      std::size_t start = 0;
      for (;;) {
        const std::size_t dot = out.name.find('.', start);
        out.path.push_back(out.name.substr(start, dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
      }
    }
    const std::string* op_name = op_member(j, path, "one of the property operators");
    if (!op_name) return false;
    const std::optional<PropertyOp> op = parse_property_op(*op_name);
    if (!op) {
      error(path + ".op", "unknown_operator",
            "\"" + *op_name + "\" is not a property operator; use " +
                list_names(kPropertyOpNames, std::size(kPropertyOpNames)) + ".");
      return false;
    }
    out.op = *op;
    return value(j, path, out) && ok;
  }

  bool value(const json& j, const std::string& path, PropertyCondition& out) {
    const std::string field = path + ".value";
    const std::string op(property_op_name(out.op));
    const auto it = j.find("value");
    const bool absent = it == j.end() || it->is_null();
    switch (out.op) {
      case PropertyOp::kExists:
      case PropertyOp::kNotExists:
        return true;  // a value, if any, is not read
      default:
        break;
    }
    if (absent) {
      if (out.op == PropertyOp::kEq || out.op == PropertyOp::kNe) {
        if (it != j.end()) {
          error(field, "invalid_value",
                field +
                    " is null; to test that a property is missing or set, use \"not_exists\" "
                    "or \"exists\".");
          return false;
        }
      }
      required(field, "the value to compare with");
      return false;
    }
    const json& v = *it;
    switch (out.op) {
      case PropertyOp::kEq:
      case PropertyOp::kNe:
      case PropertyOp::kContains:
      case PropertyOp::kNotContains:
        if (!is_scalar(v)) {
          type_error(field, "a text, a number or true/false", v);
          return false;
        }
        out.values.push_back(literal_of(v));
        return true;
      case PropertyOp::kStartsWith:
      case PropertyOp::kEndsWith:
        if (!v.is_string()) {
          type_error(field, "a text", v);
          return false;
        }
        out.values.push_back(literal_of(v));
        return true;
      case PropertyOp::kGt:
      case PropertyOp::kGte:
      case PropertyOp::kLt:
      case PropertyOp::kLte:
        if (!v.is_number() && !v.is_string()) {
          type_error(field, "a number or a text", v);
          return false;
        }
        out.values.push_back(literal_of(v));
        return true;
      case PropertyOp::kIn:
      case PropertyOp::kNotIn: {
        if (!v.is_array()) {
          type_error(field, "a list of values", v);
          return false;
        }
        if (v.empty()) {
          error(field, "invalid_value",
                field + " is an empty list; \"" + op + "\" needs at least one value.");
          return false;
        }
        if (v.size() > kMaxCohortListValues) {
          error(field, "invalid_value",
                field + " holds " + std::to_string(v.size()) + " values; at most " +
                    std::to_string(kMaxCohortListValues) + " are allowed.");
          return false;
        }
        bool ok = true;
        for (std::size_t i = 0; i < v.size(); ++i) {
          if (!is_scalar(v[i])) {
            type_error(field + "[" + std::to_string(i) + "]", "a text, a number or true/false",
                       v[i]);
            ok = false;
          } else {
            out.values.push_back(literal_of(v[i]));
          }
        }
        return ok;
      }
      case PropertyOp::kBetween: {
        if (!v.is_array() || v.size() != 2) {
          error(field, v.is_array() ? "invalid_value" : "invalid_type",
                field + " must be a list of two values [low, high].");
          return false;
        }
        const bool numbers = v[0].is_number() && v[1].is_number();
        const bool texts = v[0].is_string() && v[1].is_string();
        if (!numbers && !texts) {
          error(field, "invalid_type",
                field + " must hold two numbers or two texts, e.g. [18, 30].");
          return false;
        }
        out.values.push_back(literal_of(v[0]));
        out.values.push_back(literal_of(v[1]));
        const bool reversed = numbers ? out.values[0].number > out.values[1].number
                                      : out.values[0].text > out.values[1].text;
        if (reversed) {
          error(field, "invalid_value",
                field +
                    " has its low bound above its high bound, so nothing matches; write the "
                    "lower bound first.");
          return false;
        }
        return true;
      }
      case PropertyOp::kBefore:
      case PropertyOp::kAfter: {
        if (!v.is_string()) {
          type_error(field, "an ISO 8601 date such as \"2026-12-01\"", v);
          return false;
        }
        const std::optional<std::int64_t> ms = parse_iso8601(v.get_ref<const std::string&>());
        if (!ms) {
          error(field, "invalid_value",
                "\"" + v.get<std::string>() +
                    "\" is not an ISO 8601 date; write e.g. \"2026-12-01\" or "
                    "\"2026-12-01T09:00:00Z\".");
          return false;
        }
        out.date_ms = *ms;
        return true;
      }
      case PropertyOp::kWithinLast:
        return period(v, field, out.period);
      default:
        return true;
    }
  }

  bool event(const json& j, const std::string& path, EventCondition& out) {
    warn_unknown(j, path, {"event", "op", "where", "count", "within"});
    bool ok = name_member(j, path, "event", "the event key", out.key);
    const std::string* op = op_member(j, path, "\"did\" or \"did_not\"");
    if (!op) {
      ok = false;
    } else if (*op == "did" || *op == "did_not") {
      out.did = *op == "did";
    } else {
      error(path + ".op", "unknown_operator",
            "\"" + *op + "\" is not an event operator; use \"did\" or \"did_not\".");
      ok = false;
    }
    const auto where = j.find("where");
    if (where != j.end() && !where->is_null()) {
      const std::string field = path + ".where";
      if (!where->is_array()) {
        type_error(field, "a list of property conditions", *where);
        ok = false;
      } else {
        out.where.resize(where->size());
        for (std::size_t i = 0; i < where->size(); ++i) {
          const std::string item = field + "[" + std::to_string(i) + "]";
          const json& c = (*where)[i];
          if (!count_node()) return false;
          if (!c.is_object()) {
            type_error(item, "a property condition {\"property\", \"op\", \"value\"}", c);
            ok = false;
          } else {
            ok = property(c, item, out.where[i]) && ok;
          }
        }
      }
    }
    const auto count = j.find("count");
    if (count != j.end() && !count->is_null()) {
      const std::string field = path + ".count";
      if (!count->is_object()) {
        type_error(field, "an object {\"op\": \"gte\", \"value\": 2}", *count);
        ok = false;
      } else {
        warn_unknown(*count, field, {"op", "value"});
        const std::string* cop = op_member(*count, field, "\"gte\", \"lte\" or \"eq\"");
        if (!cop) {
          ok = false;
        } else if (*cop == "gte" || *cop == "lte" || *cop == "eq") {
          out.count_op = *cop == "gte"   ? CountOp::kGte
                         : *cop == "lte" ? CountOp::kLte
                                         : CountOp::kEq;
        } else {
          error(field + ".op", "unknown_operator",
                "\"" + *cop + "\" is not a count operator; use \"gte\", \"lte\" or \"eq\".");
          ok = false;
        }
        const auto n = count->find("value");
        if (n == count->end() || n->is_null()) {
          required(field + ".value", "how many events, e.g. 2");
          ok = false;
        } else if (!n->is_number()) {
          type_error(field + ".value", "a number", *n);
          ok = false;
        } else if (const auto whole = whole_number(*n, 0)) {
          out.count = *whole;
        } else {
          error(field + ".value", "invalid_value",
                field + ".value must be a whole number from 0 to " +
                    std::to_string(kMaxCohortNumber) + ".");
          ok = false;
        }
      }
    }
    const auto within = j.find("within");
    if (within != j.end() && !within->is_null()) {
      RulePeriod p;
      if (period(*within, path + ".within", p)) {
        out.within = p;
      } else {
        ok = false;
      }
    }
    return ok;
  }

  Problems& problems_;
  int nodes_ = 0;
  bool too_large_ = false;
};

// Marks nodes that read events and moves event-free rules first in groups.
bool order(CohortNode& n) {
  switch (n.kind) {
    case CohortNode::Kind::kProperty:
      n.reads_events = false;
      break;
    case CohortNode::Kind::kEvent:
      n.reads_events = true;
      break;
    default:
      n.reads_events = false;
      for (CohortNode& c : n.children) n.reads_events = order(c) || n.reads_events;
      std::stable_partition(n.children.begin(), n.children.end(),
                            [](const CohortNode& c) { return !c.reads_events; });
  }
  return n.reads_events;
}

// Groups list event-free rules first (see order()), which never reorders the
// event conditions among themselves: keys are met in the rule's own order.
void collect_needs(const CohortNode& n, std::int64_t now, CohortNeeds& needs) {
  switch (n.kind) {
    case CohortNode::Kind::kProperty:
      needs.properties = true;
      return;
    case CohortNode::Kind::kEvent: {
      const EventCondition& e = n.event;
      std::optional<std::int64_t> since;
      if (e.within) since = add_period(now, -e.within->last, e.within->unit);
      for (CohortNeeds::Events& known : needs.events) {
        if (known.key != e.key) continue;
        if (!since || !known.since_ms) {
          known.since_ms.reset();
        } else if (*since < *known.since_ms) {
          known.since_ms = since;
        }
        known.properties = known.properties || !e.where.empty();
        return;
      }
      needs.events.push_back(CohortNeeds::Events{e.key, since, !e.where.empty()});
      return;
    }
    default:
      for (const CohortNode& c : n.children) collect_needs(c, now, needs);
  }
}

}  // namespace

std::string_view property_op_name(PropertyOp op) {
  return kPropertyOpNames[static_cast<std::size_t>(op)];
}

std::optional<PropertyOp> parse_property_op(std::string_view name) {
  for (PropertyOp op : kPropertyOps)
    if (property_op_name(op) == name) return op;
  return std::nullopt;
}

std::string_view count_op_name(CountOp op) {
  switch (op) {
    case CountOp::kGte:
      return "gte";
    case CountOp::kLte:
      return "lte";
    case CountOp::kEq:
      return "eq";
  }
  return "";
}

Problems compile_cohort(std::string_view rule_json, CompiledCohort* out) {
  Problems problems;
  const ParsedJson parsed = parse_json(rule_json);
  if (parsed.too_deep) {
    const std::string at = parsed.deep_at.empty() ? "rule" : "rule." + parsed.deep_at;
    problems.push_back(Problem{at, "rule_too_deep",
                               "The rule nests more than " + std::to_string(kMaxJsonDepth) +
                                   " JSON levels deep (groups may nest " +
                                   std::to_string(kMaxCohortDepth) + " deep); flatten the groups.",
                               Severity::kError});
    return problems;
  }
  const json& doc = parsed.doc;
  if (doc.is_discarded()) {
    problems.push_back(
        Problem{"rule", "invalid_json", "The rule is not valid JSON.", Severity::kError});
    return problems;
  }
  Reader reader(problems);
  CohortNode root;
  const bool ok = reader.node(doc, "rule", 1, root);
  if (ok && !has_error(problems) && out) {
    order(root);
    out->root_ = std::move(root);
    out->periods_ = std::move(reader.periods);
  }
  return problems;
}

CohortNeeds CompiledCohort::needs(std::int64_t now_ms) const {
  CohortNeeds needs;
  collect_needs(root_, now_ms, needs);
  return needs;
}

}  // namespace hookcast
