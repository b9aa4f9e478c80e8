// Evaluation of compiled cohort rules, per member, over the fast JSON
// reader: the shard's hot path (built at -O2 in the wasm module; the reader
// in cohort.cpp stays size-optimised).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calendar.hpp"
#include "cohort.hpp"
#include "json_text.hpp"

namespace hookcast {
namespace {

// The number of a JSON number's text. Event times are integers of 13
// digits: those are read directly (exact below 2^53), since strtod costs
// about ten times more, notably in wasm's libc. Others go to strtod, which
// needs a terminated copy.
double number_of(std::string_view raw) {
  if (!raw.empty() && raw.size() <= 16) {
    std::size_t i = raw[0] == '-' ? 1 : 0;
    std::int64_t v = 0;
    const std::size_t start = i;
    while (i < raw.size() && raw[i] >= '0' && raw[i] <= '9') v = v * 10 + (raw[i++] - '0');
    if (i == raw.size() && i > start) return static_cast<double>(start ? -v : v);
  }
  char buf[64];
  if (raw.size() < sizeof buf) {
    for (std::size_t i = 0; i < raw.size(); ++i) buf[i] = raw[i];
    buf[raw.size()] = '\0';
    return std::strtod(buf, nullptr);
  }
  return std::strtod(std::string(raw).c_str(), nullptr);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A decimal number written as text ("42", "-4.5", " 1e3 "); no hex, inf, nan.
bool numeric_text(std::string_view s, double& out) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  std::size_t i = b;
  if (i < e && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t digits = 0;
  while (i < e && is_digit(s[i])) ++i, ++digits;
  if (i < e && s[i] == '.') {
    ++i;
    while (i < e && is_digit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < e && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < e && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t exp = 0;
    while (i < e && is_digit(s[i])) ++i, ++exp;
    if (exp == 0) return false;
  }
  if (i != e) return false;
  out = number_of(s.substr(b, e - b));
  return std::isfinite(out);
}

// One property value as the comparisons see it.
struct Scalar {
  JsonType type = JsonType::kNull;  // kNull: missing
  std::uint32_t node = JsonDoc::kNone;
  std::string_view text;  // strings (decoded), numbers (as written), "true"/"false"
};

class Evaluator {
 public:
  Evaluator(const JsonDoc& doc, std::int64_t now, CohortScratch& scratch,
            const std::vector<RulePeriod>& periods)
      : doc_(doc), now_(static_cast<double>(now)), scratch_(scratch) {
    // now − period per period slot: a few arithmetic steps each, cheaper
    // than caching them safely across cohorts sharing the scratch.
    scratch.since.resize(periods.size());
    for (std::size_t i = 0; i < periods.size(); ++i)
      scratch.since[i] = static_cast<double>(add_period(now, -periods[i].last, periods[i].unit));
  }

  // `events_unknown`: triage (CompiledCohort::triage), no event is read.
  Membership member(const CohortNode& root, std::uint32_t m, bool events_unknown = false) {
    if (m >= doc_.size() || doc_.node(m).type != JsonType::kObject) return Membership::kInvalid;
    member_ = m;
    properties_ = doc_.find(m, "properties");
    if (properties_ != JsonDoc::kNone) {
      const JsonType t = doc_.node(properties_).type;
      if (t == JsonType::kNull) {
        properties_ = JsonDoc::kNone;
      } else if (t != JsonType::kObject) {
        return Membership::kInvalid;
      }
    }
    events_node_ = doc_.find(m, "events");
    if (events_node_ != JsonDoc::kNone) {
      const JsonType t = doc_.node(events_node_).type;
      if (t == JsonType::kNull) {
        events_node_ = JsonDoc::kNone;
      } else if (t != JsonType::kArray) {
        return Membership::kInvalid;
      }
    }
    events_ready_ = false;
    invalid_ = false;
    if (events_unknown) {
      const Truth t = decide(root);
      return t == Truth::kUnknown ? Membership::kNeedsEvents
             : t == Truth::kTrue  ? Membership::kIn
                                  : Membership::kOut;
    }
    const bool in = eval(root);
    if (invalid_) return Membership::kInvalid;
    return in ? Membership::kIn : Membership::kOut;
  }

 private:
  bool eval(const CohortNode& n) {
    switch (n.kind) {
      case CohortNode::Kind::kAll:
        for (const CohortNode& c : n.children)
          if (!eval(c)) return false;
        return true;
      case CohortNode::Kind::kAny:
        for (const CohortNode& c : n.children)
          if (eval(c)) return true;
        return false;
      case CohortNode::Kind::kNot:
        return !eval(n.children[0]);
      case CohortNode::Kind::kProperty:
        return property(n.property, properties_, member_);
      case CohortNode::Kind::kEvent:
        return event(n.event);
    }
    return false;
  }

  enum class Truth { kFalse, kTrue, kUnknown };

  // The rule with every event condition unknown, in Kleene's three-valued
  // logic: all = false if a child is false, else unknown if one is; any the
  // dual; not swaps true and false. Sound: a true / false here is what
  // eval() answers for any events. Event-free subtrees go to eval() (which
  // reads no event there), so the two paths share every condition's code.
  Truth decide(const CohortNode& n) {
    if (!n.reads_events) return eval(n) ? Truth::kTrue : Truth::kFalse;
    switch (n.kind) {
      case CohortNode::Kind::kAll:
      case CohortNode::Kind::kAny: {
        const Truth settles = n.kind == CohortNode::Kind::kAll ? Truth::kFalse : Truth::kTrue;
        Truth out = n.kind == CohortNode::Kind::kAll ? Truth::kTrue : Truth::kFalse;
        for (const CohortNode& c : n.children) {
          const Truth t = decide(c);
          if (t == settles) return settles;
          if (t == Truth::kUnknown) out = Truth::kUnknown;
        }
        return out;
      }
      case CohortNode::Kind::kNot: {
        const Truth t = decide(n.children[0]);
        return t == Truth::kUnknown ? t : t == Truth::kTrue ? Truth::kFalse : Truth::kTrue;
      }
      default:  // kEvent (a property node never reads events)
        return Truth::kUnknown;
    }
  }

  // The value of a condition's property in `object` (kNone: missing).
  std::uint32_t lookup(const PropertyCondition& c, std::uint32_t object) const {
    if (object == JsonDoc::kNone) return JsonDoc::kNone;
    std::uint32_t v = doc_.find(object, c.name);
    if (v == JsonDoc::kNone && !c.path.empty()) {
      v = object;
      for (const std::string& part : c.path) {
        if (doc_.node(v).type != JsonType::kObject) return JsonDoc::kNone;
        v = doc_.find(v, part);
        if (v == JsonDoc::kNone) return v;
      }
    }
    if (v != JsonDoc::kNone && doc_.node(v).type == JsonType::kNull) return JsonDoc::kNone;
    return v;
  }

  Scalar scalar(std::uint32_t node) {
    Scalar s;
    s.node = node;
    if (node == JsonDoc::kNone) return s;
    s.type = doc_.node(node).type;
    switch (s.type) {
      case JsonType::kString:
        if (doc_.node(node).escaped) {
          scratch_.text.clear();
          doc_.append_string(node, scratch_.text);
          s.text = scratch_.text.view();
        } else {
          s.text = doc_.raw(node);
        }
        break;
      case JsonType::kNumber:
        s.text = doc_.raw(node);
        break;
      case JsonType::kTrue:
        s.text = "true";
        break;
      case JsonType::kFalse:
        s.text = "false";
        break;
      default:
        break;
    }
    return s;
  }

  // The property's number when the literal is a number: a number, or a
  // string holding one.
  static bool as_number(const Scalar& s, double& out) {
    if (s.type == JsonType::kNumber) {
      out = number_of(s.text);
      return true;
    }
    return s.type == JsonType::kString && numeric_text(s.text, out);
  }

  static bool has_text(const Scalar& s) {
    return s.type == JsonType::kString || s.type == JsonType::kNumber ||
           s.type == JsonType::kTrue || s.type == JsonType::kFalse;
  }

  static bool equals(const Scalar& s, const RuleLiteral& lit) {
    switch (lit.type) {
      case RuleLiteral::Type::kNumber: {
        double d;
        return as_number(s, d) && d == lit.number;
      }
      case RuleLiteral::Type::kString:
        return has_text(s) && s.text == lit.text;
      case RuleLiteral::Type::kBoolean:
        if (s.type == JsonType::kTrue || s.type == JsonType::kFalse)
          return (s.type == JsonType::kTrue) == lit.boolean;
        return s.type == JsonType::kString && s.text == lit.text;
    }
    return false;
  }

  // Three-way comparison of the property with the literal; false when they
  // do not compare (the condition then does not hold).
  static bool compare(const Scalar& s, const RuleLiteral& lit, int& order) {
    if (lit.type == RuleLiteral::Type::kNumber) {
      double d;
      if (!as_number(s, d)) return false;
      order = d < lit.number ? -1 : d > lit.number ? 1 : 0;
      return true;
    }
    if (!has_text(s)) return false;
    const int c = s.text.compare(lit.text);
    order = c < 0 ? -1 : c > 0 ? 1 : 0;
    return true;
  }

  // A date property: ISO 8601 text or milliseconds.
  bool date_of(const Scalar& s, double& out) const {
    if (s.type == JsonType::kNumber) {
      out = number_of(s.text);
      return std::isfinite(out);
    }
    if (s.type != JsonType::kString) return false;
    const std::optional<std::int64_t> ms = parse_iso8601(s.text);
    if (!ms) return false;
    out = static_cast<double>(*ms);
    return true;
  }

  bool contains(std::uint32_t node, const RuleLiteral& lit) {
    const JsonNode& n = doc_.node(node);
    if (n.type == JsonType::kArray) {
      for (std::uint32_t i = node + 1; i < n.next; i = doc_.node(i).next)
        if (equals(scalar(i), lit)) return true;
      return false;
    }
    if (n.type != JsonType::kString) return false;
    if (lit.type == RuleLiteral::Type::kNumber && lit.text.empty()) return false;
    const Scalar s = scalar(node);
    return s.text.find(lit.text) != std::string_view::npos;
  }

  // `user` is the member's node for a user property (kNone for an event's):
  // "id", when the properties do not hold it, is the user's id.
  bool property(const PropertyCondition& c, std::uint32_t object,
                std::uint32_t user = JsonDoc::kNone) {
    std::uint32_t node = lookup(c, object);
    if (node == JsonDoc::kNone && user != JsonDoc::kNone && c.name == "id") {
      node = doc_.find(user, "id");
      if (node != JsonDoc::kNone && doc_.node(node).type == JsonType::kNull) node = JsonDoc::kNone;
    }
    const bool missing = node == JsonDoc::kNone;
    switch (c.op) {
      case PropertyOp::kExists:
        return !missing;
      case PropertyOp::kNotExists:
        return missing;
      case PropertyOp::kNe:
        return missing || !equals(scalar(node), c.values[0]);
      case PropertyOp::kNotIn:
      case PropertyOp::kIn: {
        bool found = false;
        if (!missing) {
          const Scalar s = scalar(node);
          for (const RuleLiteral& lit : c.values)
            if ((found = equals(s, lit))) break;
        }
        return c.op == PropertyOp::kIn ? found : !found;
      }
      case PropertyOp::kNotContains:
        return missing || !contains(node, c.values[0]);
      default:
        break;
    }
    if (missing) return false;
    const Scalar s = scalar(node);
    int order = 0;
    switch (c.op) {
      case PropertyOp::kEq:
        return equals(s, c.values[0]);
      case PropertyOp::kContains:
        return contains(node, c.values[0]);
      case PropertyOp::kStartsWith:
        return (s.type == JsonType::kString || s.type == JsonType::kNumber) &&
               s.text.substr(0, c.values[0].text.size()) == c.values[0].text;
      case PropertyOp::kEndsWith:
        return (s.type == JsonType::kString || s.type == JsonType::kNumber) &&
               s.text.size() >= c.values[0].text.size() &&
               s.text.substr(s.text.size() - c.values[0].text.size()) == c.values[0].text;
      case PropertyOp::kGt:
        return compare(s, c.values[0], order) && order > 0;
      case PropertyOp::kGte:
        return compare(s, c.values[0], order) && order >= 0;
      case PropertyOp::kLt:
        return compare(s, c.values[0], order) && order < 0;
      case PropertyOp::kLte:
        return compare(s, c.values[0], order) && order <= 0;
      case PropertyOp::kBetween: {
        int high = 0;
        return compare(s, c.values[0], order) && order >= 0 && compare(s, c.values[1], high) &&
               high <= 0;
      }
      case PropertyOp::kBefore:
      case PropertyOp::kAfter:
      case PropertyOp::kWithinLast: {
        double at;
        if (!date_of(s, at)) return false;
        if (c.op == PropertyOp::kBefore) return at < static_cast<double>(c.date_ms);
        if (c.op == PropertyOp::kAfter) return at > static_cast<double>(c.date_ms);
        return at >= scratch_.since[c.period.slot] && at <= now_;
      }
      default:
        return false;
    }
  }

  // Reads the member's events once, when a rule first needs them.
  bool load_events() {
    if (events_ready_) return !invalid_;
    events_ready_ = true;
    scratch_.events.clear();
    if (events_node_ == JsonDoc::kNone) return true;
    const std::uint32_t end = doc_.node(events_node_).next;
    for (std::uint32_t i = events_node_ + 1; i < end; i = doc_.node(i).next) {
      if (doc_.node(i).type != JsonType::kObject) return fail();
      CohortScratch::EventView e;
      e.key = doc_.find(i, "key");
      if (e.key == JsonDoc::kNone || doc_.node(e.key).type != JsonType::kString) return fail();
      const std::uint32_t at = doc_.find(i, "at");
      if (at != JsonDoc::kNone) {
        const JsonNode& a = doc_.node(at);
        if (a.type == JsonType::kNumber) {
          e.at = number_of(doc_.raw(at));
          e.has_at = std::isfinite(e.at);
        } else if (a.type == JsonType::kString) {
          const Scalar s = scalar(at);
          const std::optional<std::int64_t> ms = parse_iso8601(s.text);
          if (!ms) return fail();
          e.at = static_cast<double>(*ms);
          e.has_at = true;
        } else if (a.type != JsonType::kNull) {
          return fail();
        }
      }
      e.properties = doc_.find(i, "properties");
      if (e.properties != JsonDoc::kNone) {
        const JsonType t = doc_.node(e.properties).type;
        if (t == JsonType::kNull) {
          e.properties = JsonDoc::kNone;
        } else if (t != JsonType::kObject) {
          return fail();
        }
      }
      scratch_.events.push_back(e);
    }
    return true;
  }

  bool fail() {
    invalid_ = true;
    return false;
  }

  bool event(const EventCondition& c) {
    if (!load_events()) return false;
    double since = 0;
    if (c.within) since = scratch_.since[c.within->slot];
    std::int64_t count = 0;
    for (const CohortScratch::EventView& e : scratch_.events) {
      if (c.within && !(e.has_at && e.at >= since && e.at <= now_)) continue;
      if (!doc_.string_equals(e.key, c.key)) continue;
      bool where = true;
      for (const PropertyCondition& w : c.where)
        if (!(where = property(w, e.properties))) break;
      if (!where) continue;
      ++count;
      // The answer is known once the count reaches (gte) or passes (lte, eq) its value.
      if (c.count_op == CountOp::kGte ? count >= c.count : count > c.count) break;
    }
    const bool holds = c.count_op == CountOp::kGte   ? count >= c.count
                       : c.count_op == CountOp::kLte ? count <= c.count
                                                     : count == c.count;
    return c.did ? holds : !holds;
  }

  const JsonDoc& doc_;
  const double now_;
  CohortScratch& scratch_;
  std::uint32_t properties_ = JsonDoc::kNone;
  std::uint32_t events_node_ = JsonDoc::kNone;
  std::uint32_t member_ = JsonDoc::kNone;
  bool events_ready_ = false;
  bool invalid_ = false;
};

}  // namespace

Membership CompiledCohort::evaluate(const JsonDoc& doc, std::uint32_t member, std::int64_t now_ms,
                                    CohortScratch& scratch) const {
  Evaluator e(doc, now_ms, scratch, periods_);
  return e.member(root_, member);
}

Membership CompiledCohort::triage(const JsonDoc& doc, std::uint32_t member, std::int64_t now_ms,
                                  CohortScratch& scratch) const {
  Evaluator e(doc, now_ms, scratch, periods_);
  return e.member(root_, member, /*events_unknown=*/true);
}

Membership match_cohort_json(const CompiledCohort& cohort, std::string_view member_json,
                             std::int64_t now_ms) {
  JsonDoc doc;
  if (!doc.parse(member_json)) return Membership::kInvalid;
  CohortScratch scratch;
  return cohort.evaluate(doc, 0, now_ms, scratch);
}

}  // namespace hookcast
