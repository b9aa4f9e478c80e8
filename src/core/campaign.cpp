#include "campaign.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <iterator>
#include <nlohmann/json.hpp>
#include <utility>

#include "cohort.hpp"
#include "experiment.hpp"
#include "fatigue.hpp"
#include "json_shape.hpp"
#include "webhook.hpp"

namespace hookcast {
namespace {

using nlohmann::json;

// ---- status machine -------------------------------------------------------------

// What each status allows, as the refusal says it.
const char* allowed_actions(CampaignStatus status) {
  switch (status) {
    case CampaignStatus::kReady:
      return "it can be started or ended";
    case CampaignStatus::kRunning:
      return "it can be paused or ended";
    case CampaignStatus::kPaused:
      return "it can be resumed or ended";
    case CampaignStatus::kEnded:
      break;
  }
  return "an ended campaign cannot change status";
}

CampaignVerdict refuse(const char* code, std::string message) {
  CampaignVerdict v;
  v.code = code;
  v.message = std::move(message);
  return v;
}

CampaignVerdict allow(CampaignStatus status) {
  CampaignVerdict v;
  v.ok = true;
  v.status = status;
  return v;
}

// "webhook", "webhook and target", "webhook, target and send settings".
std::string field_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += (i + 1 == names.size()) ? " and " : ", ";
    out += names[i];
  }
  return out;
}

std::string field_words(const std::string& field) {
  if (field == "send") return "send settings";
  if (field == "fatigue") return "fatigue settings";
  if (field == "rateLimit") return "rate limit";
  if (field == "signingSecret") return "signing secret";
  if (field == "timeoutMs") return "timeout";
  if (field == "experiment") return "experiment settings";
  return field;
}

// ---- shape check ----------------------------------------------------------------

std::string join(const std::string& base, const char* key) { return base + "." + key; }

std::string row_field(const char* table, std::size_t i) {
  return std::string(table) + "[" + std::to_string(i) + "]";
}

// Types of a webhook's fields (its content is validate's business).
void check_webhook_shape(JsonShape& shape, const json& webhook, const std::string& base) {
  if (!shape.object(webhook, base, "an object {url, method, params, headers, body}")) return;
  shape.only(webhook, base, {"url", "method", "params", "headers", "body"}, "a webhook");
  for (const char* key : {"url", "method", "body"}) {
    const auto it = webhook.find(key);
    if (it != webhook.end() && !it->is_null() && !it->is_string())
      shape.wrong_type(join(base, key), "a text", *it);
  }
  for (const char* table : {"params", "headers"}) {
    const auto it = webhook.find(table);
    if (it == webhook.end() || it->is_null()) continue;
    const std::string field = join(base, table);
    if (!it->is_array()) {
      shape.wrong_type(field, "a list of {key, value} rows", *it);
      continue;
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& row = (*it)[i];
      const std::string row_base = base + "." + row_field(table, i);
      if (!shape.object(row, row_base, "an object {key, value}")) continue;
      shape.only(row, row_base, {"key", "value"}, "a row");
      for (const char* key : {"key", "value"}) {
        const auto cell = row.find(key);
        if (cell != row.end() && !cell->is_null() && !cell->is_string())
          shape.wrong_type(join(row_base, key), "a text", *cell);
      }
    }
  }
}

void check_target(JsonShape& shape, const json& target) {
  if (!shape.object(target, "target", "{\"cohort\": id} or {\"allUsers\": true}")) return;
  shape.only(target, "target", {"cohort", "allUsers"}, "a target");
  const auto cohort = find_member(target, "cohort");
  const auto all = find_member(target, "allUsers");
  const bool has_cohort = cohort != target.end();
  const bool has_all = all != target.end();
  if (has_cohort && has_all) {
    shape.error("target", "invalid_target",
                "A target is either a cohort or all users, not both: {\"cohort\": id} or "
                "{\"allUsers\": true}.");
    return;
  }
  if (has_cohort) {
    shape.text(*cohort, "target.cohort", kMaxNameChars, true);
  } else if (has_all) {
    if (!all->is_boolean() || !all->get<bool>()) {
      shape.error("target.allUsers", "invalid_value",
                  "target.allUsers must be true; to target some users, name a cohort: "
                  "{\"cohort\": id}.");
    }
  } else {
    shape.error("target", "invalid_target",
                "A target names a cohort ({\"cohort\": id}) or all users ({\"allUsers\": true}).");
  }
}

bool in_schedule_range(std::int64_t local_ms) {
  return local_ms >= kFirstScheduleLocalMs && local_ms < kEndScheduleLocalMs;
}

std::string schedule_range_message(const char* field, const json& value) {
  return std::string(field) + " is " + value.dump() +
         "; a schedule's dates are from 1970-01-01 up to 2099-12-31.";
}

void check_schedule(JsonShape& shape, const json& send) {
  shape.only(send, "send", {"type", "at", "timeZone", "fallbackTimeZone", "repeat"},
             "a schedule send");
  std::optional<std::int64_t> at;
  if (const json* v = shape.member(send, "at", "send.at", true,
                                   "A schedule needs send.at, a local date and time like "
                                   "\"2026-12-01T09:00\".")) {
    if (!v->is_string()) {
      shape.wrong_type("send.at", "a local date and time like \"2026-12-01T09:00\"", *v);
    } else {
      at = parse_local_date_time(v->get_ref<const std::string&>());
      if (!at) {
        shape.error("send.at", "invalid_date_time",
                    "send.at must be a local date and time like \"2026-12-01T09:00\" (or with "
                    ":ss), without an offset: the time zone says where; it is " +
                        v->dump() + ".");
      } else if (!in_schedule_range(*at)) {
        shape.error("send.at", "out_of_range", schedule_range_message("send.at", *v));
      }
    }
  }
  if (const json* v = shape.member(send, "timeZone", "send.timeZone", true,
                                   "A schedule needs send.timeZone, e.g. \"Asia/Seoul\".")) {
    shape.text(*v, "send.timeZone", kMaxNameChars, true);
    // "user": each user's own zone (their `timezone` property), else the fallback.
    const bool per_user = v->is_string() && v->get_ref<const std::string&>() == "user";
    const json* fallback =
        shape.member(send, "fallbackTimeZone", "send.fallbackTimeZone", per_user,
                     "send.timeZone \"user\" needs send.fallbackTimeZone, the zone of users "
                     "without a timezone property, e.g. \"Asia/Seoul\".");
    if (fallback && !per_user) {
      shape.error("send.fallbackTimeZone", "invalid_value",
                  "send.fallbackTimeZone applies only with send.timeZone \"user\".");
    } else if (fallback) {
      shape.text(*fallback, "send.fallbackTimeZone", kMaxNameChars, true);
    }
  }
  const json* repeat = shape.member(send, "repeat", "send.repeat", false, "");
  if (!repeat || !shape.object(*repeat, "send.repeat", "an object {every, unit, until?} or null")) {
    return;
  }
  shape.only(*repeat, "send.repeat", {"every", "unit", "until"}, "a repeat");
  if (const json* v = shape.member(*repeat, "every", "send.repeat.every", true,
                                   "A repeat needs send.repeat.every, e.g. 1."))
    shape.integer(*v, "send.repeat.every", 1, kMaxPeriodCount);
  const std::string repeat_unit_needed =
      "A repeat needs send.repeat.unit: " + time_unit_names(kRepeatUnits) + ".";
  if (const json* v =
          shape.member(*repeat, "unit", "send.repeat.unit", true, repeat_unit_needed.c_str()))
    shape.unit(*v, "send.repeat.unit", kRepeatUnits);
  if (const json* v = shape.member(*repeat, "until", "send.repeat.until", false, "")) {
    std::optional<std::int64_t> until;
    if (v->is_string()) until = parse_local_until(v->get_ref<const std::string&>());
    if (!v->is_string()) {
      shape.wrong_type(
          "send.repeat.until",
          "a local date like \"2026-12-31\" or date and time like \"2026-12-31T23:59\"", *v);
    } else if (!until) {
      shape.error("send.repeat.until", "invalid_date_time",
                  "send.repeat.until must be a local date like \"2026-12-31\" (through that day) "
                  "or date and time like \"2026-12-31T23:59\", without an offset; it is " +
                      v->dump() + ".");
    } else if (!in_schedule_range(*until)) {
      shape.error("send.repeat.until", "out_of_range",
                  schedule_range_message("send.repeat.until", *v));
    } else if (at && *until < *at) {
      shape.error("send.repeat.until", "until_before_at",
                  "send.repeat.until is before send.at: the schedule would never run.");
    }
  }
}

// Conditions on an event's properties (send.where, experiment.goal.where):
// the cohort language's property conditions, so the cohort reader checks
// them, as the `where` of an event condition; problems are located at `field`.
void check_event_where(JsonShape& shape, const json& where, const std::string& field) {
  if (!where.is_array()) {
    shape.wrong_type(field, "a list of conditions on the event's properties", where);
    return;
  }
  if (where.size() > kMaxWhereConditions) {
    shape.error(field, "too_many",
                field + " can hold at most " + std::to_string(kMaxWhereConditions) +
                    " conditions; it has " + std::to_string(where.size()) + ".");
    return;
  }
  const std::string rule = "{\"event\":\"e\",\"op\":\"did\",\"where\":" + where.dump() + "}";
  constexpr std::string_view kRuleWhere = "rule.where";
  for (Problem& p : compile_cohort(rule, nullptr)) {
    if (p.severity != Severity::kError && p.code != "unknown_field") continue;
    if (p.field.compare(0, kRuleWhere.size(), kRuleWhere) != 0) continue;
    p.field = field + p.field.substr(kRuleWhere.size());
    for (std::size_t at = p.message.find(kRuleWhere); at != std::string::npos;
         at = p.message.find(kRuleWhere, at + field.size()))
      p.message.replace(at, kRuleWhere.size(), field);
    shape.error(std::move(p.field), p.code.c_str(), std::move(p.message));
  }
}

void check_event_send(JsonShape& shape, const json& send) {
  shape.only(send, "send", {"type", "event", "where", "delay"}, "an event send");
  if (const json* v = shape.member(send, "event", "send.event", true,
                                   "An event send needs send.event, the event key that "
                                   "triggers it, e.g. \"purchase\"."))
    shape.text(*v, "send.event", kMaxNameChars, true);
  if (const json* where = shape.member(send, "where", "send.where", false, ""))
    check_event_where(shape, *where, "send.where");
  const json* delay = shape.member(send, "delay", "send.delay", false, "");
  if (!delay || !shape.object(*delay, "send.delay", "an object {value, unit} or null")) return;
  shape.only(*delay, "send.delay", {"value", "unit"}, "a delay");
  std::optional<std::int64_t> value;
  std::optional<TimeUnit> unit;
  if (const json* v = shape.member(*delay, "value", "send.delay.value", true,
                                   "A delay needs send.delay.value, e.g. 30."))
    value = shape.integer(*v, "send.delay.value", 0, kMaxPeriodCount);
  const std::string delay_unit_needed =
      "A delay needs send.delay.unit: " + time_unit_names(kDelayUnits) + ".";
  if (const json* v =
          shape.member(*delay, "unit", "send.delay.unit", true, delay_unit_needed.c_str()))
    unit = shape.unit(*v, "send.delay.unit", kDelayUnits);
  if (value && unit && *value * fixed_unit_ms(*unit) > kMaxDelayMs) {
    shape.error("send.delay.value", "out_of_range",
                "A delay can be at most 365 days (52 weeks); this one is longer.");
  }
}

void check_send(JsonShape& shape, const json& send) {
  if (!shape.object(send, "send",
                    "an object {type: \"schedule\" | \"event\" | \"api\", ...} or null")) {
    return;
  }
  const json* type = shape.member(send, "type", "send.type", true,
                                  "send.type is required: \"schedule\", \"event\" or \"api\".");
  if (!type) return;
  const std::string* name = type->is_string() ? &type->get_ref<const std::string&>() : nullptr;
  if (name && *name == "schedule") {
    check_schedule(shape, send);
  } else if (name && *name == "event") {
    check_event_send(shape, send);
  } else if (name && *name == "api") {
    shape.only(send, "send", {"type"}, "an API send");
  } else if (name) {
    shape.error(
        "send.type", "invalid_value",
        "send.type must be \"schedule\", \"event\" or \"api\"; it is " + type->dump() + ".");
  } else {
    shape.wrong_type("send.type", "\"schedule\", \"event\" or \"api\"", *type);
  }
}

void check_fatigue(JsonShape& shape, const json& fatigue) {
  if (!shape.object(fatigue, "fatigue", "an object {resend, frequencyCapping}")) return;
  shape.only(fatigue, "fatigue", {"resend", "frequencyCapping"}, "the fatigue settings");
  if (const json* capping =
          shape.member(fatigue, "frequencyCapping", "fatigue.frequencyCapping", false, "")) {
    if (!capping->is_boolean())
      shape.wrong_type("fatigue.frequencyCapping", "true or false", *capping);
  }
  const json* resend = shape.member(fatigue, "resend", "fatigue.resend", false, "");
  if (!resend || !shape.object(*resend, "fatigue.resend", "an object {every, unit} or null"))
    return;
  shape.only(*resend, "fatigue.resend", {"every", "unit"}, "a resend period");
  if (const json* v = shape.member(*resend, "every", "fatigue.resend.every", true,
                                   "A resend period needs fatigue.resend.every, e.g. 7."))
    shape.integer(*v, "fatigue.resend.every", 1, kMaxPeriodCount);
  const std::string resend_unit_needed =
      "A resend period needs fatigue.resend.unit: " + time_unit_names(kResendUnits) + ".";
  if (const json* v =
          shape.member(*resend, "unit", "fatigue.resend.unit", true, resend_unit_needed.c_str()))
    shape.unit(*v, "fatigue.resend.unit", kResendUnits);
}

void check_rate_limit(JsonShape& shape, const json& rate) {
  if (!shape.object(rate, "rateLimit", "an object {perMinute} or null")) return;
  shape.only(rate, "rateLimit", {"perMinute"}, "a rate limit");
  if (const json* v = shape.member(rate, "perMinute", "rateLimit.perMinute", true,
                                   "A rate limit needs rateLimit.perMinute, e.g. 600."))
    shape.integer(*v, "rateLimit.perMinute", 1, kMaxPerMinute);
}

// experiment = { controlPercent, goal?: { event, where?, within: { value, unit } } }
void check_goal(JsonShape& shape, const json& goal) {
  if (!shape.object(goal, "experiment.goal", "an object {event, where?, within} or null")) return;
  shape.only(goal, "experiment.goal", {"event", "where", "within"}, "a goal");
  if (const json* v = shape.member(goal, "event", "experiment.goal.event", true,
                                   "A goal needs experiment.goal.event, the event key that counts "
                                   "as a conversion, e.g. \"purchase\"."))
    shape.text(*v, "experiment.goal.event", kMaxNameChars, true);
  if (const json* where = shape.member(goal, "where", "experiment.goal.where", false, ""))
    check_event_where(shape, *where, "experiment.goal.where");
  const json* within = shape.member(goal, "within", "experiment.goal.within", true,
                                    "A goal needs experiment.goal.within, how long after the send "
                                    "a goal event still counts, e.g. {\"value\": 7, \"unit\": "
                                    "\"days\"}.");
  if (!within || !shape.object(*within, "experiment.goal.within", "an object {value, unit}"))
    return;
  shape.only(*within, "experiment.goal.within", {"value", "unit"}, "a window");
  std::optional<std::int64_t> value;
  std::optional<TimeUnit> unit;
  if (const json* v = shape.member(*within, "value", "experiment.goal.within.value", true,
                                   "A window needs experiment.goal.within.value, e.g. 7."))
    value = shape.integer(*v, "experiment.goal.within.value", 1, kMaxPeriodCount);
  const std::string within_unit_message =
      "A window needs experiment.goal.within.unit: " + time_unit_names(kGoalWithinUnits) + ".";
  if (const json* v = shape.member(*within, "unit", "experiment.goal.within.unit", true,
                                   within_unit_message.c_str()))
    unit = shape.unit(*v, "experiment.goal.within.unit", kGoalWithinUnits);
  if (value && unit && *value * fixed_unit_ms(*unit) > kMaxGoalWithinMs) {
    shape.error("experiment.goal.within.value", "out_of_range",
                "A goal's window can be at most 30 days (43200 minutes, 720 hours, 4 weeks and 2 "
                "days); this one is longer.");
  }
}

void check_experiment(JsonShape& shape, const json& experiment) {
  if (!shape.object(experiment, "experiment", "an object {controlPercent, goal?} or null")) return;
  shape.only(experiment, "experiment", {"controlPercent", "goal"}, "an experiment");
  if (const json* v = shape.member(experiment, "controlPercent", "experiment.controlPercent", true,
                                   "An experiment needs experiment.controlPercent, the share of "
                                   "users kept as a control group, 0 to 50 (e.g. 10).")) {
    if (!v->is_number()) {
      shape.wrong_type("experiment.controlPercent", "a number from 0 to 50", *v);
    } else if (!control_basis_points(v->get<double>())) {
      shape.error("experiment.controlPercent", "out_of_range",
                  "experiment.controlPercent must be a number from 0 to 50 with at most two "
                  "decimals (e.g. 10 or 12.5); it is " +
                      v->dump() + ".");
    }
  }
  if (const json* goal = shape.member(experiment, "goal", "experiment.goal", false, ""))
    check_goal(shape, *goal);
}

constexpr const char* kFields[] = {"title",     "description", "webhook",   "target",
                                   "send",      "fatigue",     "rateLimit", "signingSecret",
                                   "timeoutMs", "experiment",  "quietHours"};
constexpr const char* kAssigned[] = {"key", "status", "createdAt", "updatedAt", "stats"};

bool known_field(const std::string& key) {
  for (const char* f : kFields)
    if (key == f) return true;
  return false;
}

bool assigned_field(const std::string& key) {
  for (const char* f : kAssigned)
    if (key == f) return true;
  return false;
}

// Base64 (standard alphabet, padded) of `text`'s decoded length, or nullopt.
std::optional<std::size_t> base64_length(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  for (std::size_t i = 0; i + pad < text.size(); ++i) {
    const char c = text[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/';
    if (!ok) return std::nullopt;
  }
  return text.size() / 4 * 3 - pad;
}

// ---- launch ---------------------------------------------------------------------

void launch_problem(Problems& out, std::string field, const char* code, std::string message) {
  out.push_back(Problem{std::move(field), code, std::move(message), Severity::kError});
}

// The webhook as validate reads it (the shape check has vouched for types).
WebhookSpec webhook_spec(const json& webhook) {
  WebhookSpec spec;
  auto text = [&](const char* key, std::string& out) {
    const auto it = webhook.find(key);
    if (it != webhook.end() && it->is_string()) out = it->get<std::string>();
  };
  text("url", spec.url);
  text("method", spec.method);
  for (const char* table : {"params", "headers"}) {
    const auto it = webhook.find(table);
    if (it == webhook.end() || !it->is_array()) continue;
    auto& rows = std::string_view(table) == "params" ? spec.params : spec.headers;
    for (const json& row : *it) {
      KeyValue kv;
      if (row.is_object()) {
        const auto k = find_member(row, "key");
        const auto v = find_member(row, "value");
        if (k != row.end() && k->is_string()) kv.key = k->get<std::string>();
        if (v != row.end() && v->is_string()) kv.value = v->get<std::string>();
      }
      rows.push_back(std::move(kv));
    }
  }
  const auto body = find_member(webhook, "body");
  if (body != webhook.end() && body->is_string()) spec.body = body->get<std::string>();
  return spec;
}

// A stored repeat, read leniently (the shape check vouched for it).
struct Repeat {
  std::int64_t every = 0;
  TimeUnit unit = TimeUnit::kDays;
  const json* until = nullptr;  ///< a string, or nullptr: repeats for ever
};

bool read_repeat(const json& send, Repeat& repeat) {
  const auto it = find_member(send, "repeat");
  if (it == send.end() || !it->is_object()) return false;
  const auto every = find_member(*it, "every");
  const auto unit = find_member(*it, "unit");
  if (every == it->end() || !every->is_number() || every->get<double>() < 1) return false;
  const auto parsed = unit != it->end() && unit->is_string()
                          ? parse_time_unit(unit->get_ref<const std::string&>())
                          : std::nullopt;
  if (!parsed || !kRepeatUnits.contains(*parsed)) return false;
  repeat.unit = *parsed;
  repeat.every = static_cast<std::int64_t>(std::min(every->get<double>(), 1e9));
  const auto until = find_member(*it, "until");
  if (until != it->end() && until->is_string()) repeat.until = &*until;
  return true;
}

void launch_schedule(Problems& out, const json& send, const LaunchOptions& options) {
  if (!options.schedule_at_ms) return;
  const std::int64_t first = *options.schedule_at_ms;
  if (first < 0 || first >= kLastScheduleInstantMs) {
    // A row stored before the range was checked: refused here, before any
    // instant is computed from it.
    launch_problem(out, "send.at", "out_of_range",
                   "The schedule's time is outside 1970-01-01 to 2099-12-31; pick a time in "
                   "that range.");
    return;
  }
  if (first > options.now_ms) return;
  const auto at_text = find_member(send, "at");
  const std::string at =
      at_text != send.end() && at_text->is_string() ? at_text->get<std::string>() : std::string();
  Repeat repeat;
  if (read_repeat(send, repeat)) {
    if (!repeat.until) return;  // repeats for ever: a later occurrence is in the future
    const std::string until = repeat.until->get<std::string>();
    const auto at_local = parse_local_date_time(at);
    const auto until_local = parse_local_until(until);
    if (at_local && until_local) {
      const auto last =
          last_schedule_occurrence(*at_local, *until_local, repeat.every, repeat.unit);
      if (last) {
        // Place the last occurrence with the offset nearest to it.
        const std::int64_t last_ms = options.until_ms ? *options.until_ms - (*until_local - *last)
                                                      : first + (*last - *at_local);
        if (last_ms > options.now_ms) return;
      }
      launch_problem(out, "send.at", "schedule_in_past",
                     "Every time of this schedule has passed (it starts " + at +
                         " and repeats until " + until + "); pick a time in the future.");
      return;
    }
  }
  launch_problem(out, "send.at", "schedule_in_past",
                 "The scheduled time " + at + " has passed; pick a time in the future.");
}

}  // namespace

std::optional<CampaignStatus> parse_campaign_status(std::string_view name) {
  if (name == "ready") return CampaignStatus::kReady;
  if (name == "running") return CampaignStatus::kRunning;
  if (name == "paused") return CampaignStatus::kPaused;
  if (name == "ended") return CampaignStatus::kEnded;
  return std::nullopt;
}

std::string_view campaign_status_name(CampaignStatus status) {
  switch (status) {
    case CampaignStatus::kReady:
      return "ready";
    case CampaignStatus::kRunning:
      return "running";
    case CampaignStatus::kPaused:
      return "paused";
    case CampaignStatus::kEnded:
      break;
  }
  return "ended";
}

std::optional<CampaignAction> parse_campaign_action(std::string_view name) {
  for (const CampaignAction a : kCampaignActions)
    if (campaign_action_name(a) == name) return a;
  return std::nullopt;
}

std::optional<SendType> parse_send_type(std::string_view name) {
  for (const SendType t : kSendTypes)
    if (send_type_name(t) == name) return t;
  return std::nullopt;
}

std::string_view send_type_name(SendType type) {
  switch (type) {
    case SendType::kSchedule:
      return "schedule";
    case SendType::kEvent:
      return "event";
    case SendType::kApi:
      break;
  }
  return "api";
}

std::string_view campaign_action_name(CampaignAction action) {
  switch (action) {
    case CampaignAction::kStart:
      return "start";
    case CampaignAction::kPause:
      return "pause";
    case CampaignAction::kResume:
      return "resume";
    case CampaignAction::kEnd:
      break;
  }
  return "end";
}

CampaignCapabilities campaign_capabilities(CampaignStatus status,
                                           std::optional<SendType> send_type) {
  CampaignCapabilities c;
  const bool running = status == CampaignStatus::kRunning;
  const std::string label = "title";
  const std::string content = "webhook";
  c.labels_editable = campaign_editable(status, &label, 1).ok;
  c.content_editable = campaign_editable(status, &content, 1).ok;
  for (std::size_t i = 0; i < std::size(kCampaignActions); ++i)
    c.action_allowed[i] = campaign_transition(status, kCampaignActions[i]).ok;
  c.accepts_api_sends = running && send_type == SendType::kApi;
  c.triggers_on_events = running && send_type == SendType::kEvent;
  c.runs_schedules = running && send_type == SendType::kSchedule;
  c.dispatches = running;
  c.holds_pending = status == CampaignStatus::kReady || status == CampaignStatus::kPaused;
  c.cancels_pending = status == CampaignStatus::kEnded;
  c.final = status == CampaignStatus::kEnded;
  c.waits_for_resume = status == CampaignStatus::kPaused;
  c.may_have_sent = status != CampaignStatus::kReady;
  c.resends_failed = running || status == CampaignStatus::kPaused;
  c.retries_deliveries = status != CampaignStatus::kEnded;
  return c;
}

CampaignVerdict campaign_transition(CampaignStatus status, CampaignAction action) {
  using S = CampaignStatus;
  using A = CampaignAction;
  if (action == A::kStart && status == S::kReady) return allow(S::kRunning);
  if (action == A::kPause && status == S::kRunning) return allow(S::kPaused);
  if (action == A::kResume && status == S::kPaused) return allow(S::kRunning);
  if (action == A::kEnd && status != S::kEnded) return allow(S::kEnded);
  if (status == S::kEnded) {
    return refuse("invalid_transition",
                  "The campaign has ended; an ended campaign cannot change status.");
  }
  // start/resume of a running campaign and pause of a paused one ask for
  // the status it already has.
  const bool already = (status == S::kRunning && (action == A::kStart || action == A::kResume)) ||
                       (status == S::kPaused && action == A::kPause);
  std::string message = already ? "The campaign is already " : "The campaign is ";
  message += campaign_status_name(status);
  message += "; ";
  message += allowed_actions(status);
  message += ".";
  return refuse("invalid_transition", std::move(message));
}

bool is_campaign_label_field(std::string_view field) {
  return field == "title" || field == "description";
}

CampaignVerdict campaign_editable(CampaignStatus status, const std::string* fields,
                                  std::size_t count) {
  if (status == CampaignStatus::kEnded) {
    return refuse("campaign_not_editable",
                  "The campaign has ended; an ended campaign cannot be edited.");
  }
  if (status == CampaignStatus::kReady || status == CampaignStatus::kPaused) return allow(status);
  std::vector<std::string> content;
  for (std::size_t i = 0; i < count; ++i) {
    if (is_campaign_label_field(fields[i])) continue;
    const std::string words = field_words(fields[i]);
    bool seen = false;
    for (const std::string& c : content) seen = seen || c == words;
    if (!seen) content.push_back(words);
  }
  if (content.empty()) return allow(status);
  return refuse("campaign_not_editable", "The campaign is running; pause it to edit its " +
                                             field_list(content) +
                                             " (the title and description can be edited now).");
}

std::optional<std::int64_t> parse_local_until(std::string_view text) {
  if (text.size() != 10) return parse_local_date_time(text);
  if (text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto parts = parse_date_time(text, OffsetRule::kForbidden, false);
  if (!parts || parts->has_time) return std::nullopt;
  return to_epoch_ms(*parts) + 86'400'000 - 1;  // through that day
}

std::optional<std::int64_t> parse_local_date_time(std::string_view text) {
  // Exactly YYYY-MM-DDTHH:mm or YYYY-MM-DDTHH:mm:ss; the calendar checks the date.
  if (text.size() != 16 && text.size() != 19) return std::nullopt;
  if (text[10] != 'T' || text[4] != '-' || text[7] != '-' || text[13] != ':') return std::nullopt;
  if (text.size() == 19 && text[16] != ':') return std::nullopt;
  const auto parts = parse_date_time(text, OffsetRule::kForbidden, true);
  if (!parts) return std::nullopt;
  return to_epoch_ms(*parts);
}

Problems check_signing_secret(std::string_view secret, const std::string& field) {
  Problems out;
  constexpr std::string_view kPrefix = "whsec_";
  auto bad = [&](std::string message) {
    out.push_back(Problem{field, "invalid_signing_secret", std::move(message), Severity::kError});
  };
  if (secret.substr(0, kPrefix.size()) != kPrefix) {
    bad("The signing secret must start with \"whsec_\".");
    return out;
  }
  const auto bytes = base64_length(secret.substr(kPrefix.size()));
  if (!bytes) {
    bad("The signing secret after \"whsec_\" is not valid base64.");
  } else if (*bytes < kMinSigningKeyBytes || *bytes > kMaxSigningKeyBytes) {
    bad("The signing key must be " + std::to_string(kMinSigningKeyBytes) + " to " +
        std::to_string(kMaxSigningKeyBytes) + " bytes; it is " + std::to_string(*bytes) + ".");
  }
  return out;
}

Problems check_campaign(const json& body, bool partial) {
  Problems out;
  JsonShape shape(out);
  if (!body.is_object()) {
    shape.error(
        "campaign", "invalid_type",
        std::string("The campaign must be a JSON object, not ") + json_type_name(body) + ".");
    return out;
  }
  for (const auto& item : body.items()) {
    if (known_field(item.key())) continue;
    if (assigned_field(item.key())) {
      shape.error(item.key(), "unknown_field",
                  "\"" + item.key() +
                      "\" is set by hookcast and cannot be written (change the status with "
                      "start, pause, resume or end).");
    } else {
      shape.error(
          item.key(), "unknown_field",
          "\"" + item.key() +
              "\" is not a campaign field (known: title, description, webhook, target, "
              "send, fatigue, rateLimit, signingSecret, timeoutMs, experiment, quietHours).");
    }
  }
  const auto title = find_member(body, "title");
  if (title == body.end()) {
    if (!partial) shape.error("title", "required", "A campaign needs a title.");
  } else if (title->is_null()) {
    shape.error("title", "required", "A campaign needs a title; it cannot be removed.");
  } else {
    shape.text(*title, "title", kMaxTitleChars, true);
  }
  if (const json* v = shape.member(body, "description", "description", false, ""))
    shape.text(*v, "description", kMaxDescriptionChars, false);
  if (const json* v = shape.member(body, "webhook", "webhook", false, ""))
    check_webhook_shape(shape, *v, "webhook");
  if (const json* v = shape.member(body, "target", "target", false, "")) check_target(shape, *v);
  if (const json* v = shape.member(body, "send", "send", false, "")) check_send(shape, *v);
  if (const json* v = shape.member(body, "fatigue", "fatigue", false, "")) check_fatigue(shape, *v);
  if (const json* v = shape.member(body, "rateLimit", "rateLimit", false, ""))
    check_rate_limit(shape, *v);
  if (const json* v = shape.member(body, "signingSecret", "signingSecret", false, "")) {
    if (!v->is_string()) {
      shape.wrong_type("signingSecret", "a text like \"whsec_<base64>\"", *v);
    } else {
      for (Problem& p : check_signing_secret(v->get_ref<const std::string&>(), "signingSecret"))
        out.push_back(std::move(p));
    }
  }
  if (const json* v = shape.member(body, "timeoutMs", "timeoutMs", false, ""))
    shape.integer(*v, "timeoutMs", 1, kMaxTimeoutMs);
  if (const json* v = shape.member(body, "experiment", "experiment", false, ""))
    check_experiment(shape, *v);
  // Opt-in to the workspace's quiet hours (PUT /v1/settings/quiet-hours).
  if (const json* v = shape.member(body, "quietHours", "quietHours", false, "")) {
    if (!v->is_boolean()) shape.wrong_type("quietHours", "true or false", *v);
  }
  return out;
}

std::optional<std::int64_t> last_schedule_occurrence(std::int64_t at_ms, std::int64_t until_ms,
                                                     std::int64_t every, TimeUnit unit) {
  if (until_ms < at_ms || every < 1) return std::nullopt;
  const std::int64_t step = every * fixed_unit_ms(unit);
  if (step <= 0) return std::nullopt;
  return at_ms + (until_ms - at_ms) / step * step;
}

std::optional<ScheduleWalls> read_schedule_walls(const json& send) {
  if (!send.is_object()) return std::nullopt;
  const auto type = find_member(send, "type");
  const auto at = find_member(send, "at");
  if (type == send.end() || *type != "schedule" || at == send.end() || !at->is_string())
    return std::nullopt;
  ScheduleWalls walls;
  const auto at_wall = parse_local_date_time(at->get_ref<const std::string&>());
  if (!at_wall) return std::nullopt;
  walls.at = *at_wall;
  const auto repeat_json = find_member(send, "repeat");
  if (repeat_json == send.end() || repeat_json->is_null()) return walls;
  Repeat repeat;
  if (!read_repeat(send, repeat)) return std::nullopt;
  walls.step = repeat.every * fixed_unit_ms(repeat.unit);
  if (repeat.until) {
    walls.until = parse_local_until(repeat.until->get_ref<const std::string&>());
    if (!walls.until) return std::nullopt;
  }
  return walls;
}

std::vector<std::int64_t> schedule_occurrences(const ScheduleWalls& walls, std::int64_t after_wall,
                                               std::size_t count) {
  std::vector<std::int64_t> out;
  std::int64_t k = 0;
  if (after_wall >= walls.at) {
    if (walls.step <= 0) return out;
    k = (after_wall - walls.at) / walls.step + 1;
  }
  const std::int64_t end = walls.until ? std::min(*walls.until, kMaxTimeMs) : kMaxTimeMs;
  for (; out.size() < count; ++k) {
    if (walls.step > 0 && k > (kMaxTimeMs - walls.at) / walls.step) break;  // past any time
    const std::int64_t wall = walls.at + k * walls.step;
    if (wall > end) break;
    out.push_back(wall);
    if (walls.step <= 0) break;
  }
  return out;
}

Problems launch_check(const json& campaign, const LaunchOptions& options) {
  Problems out;
  if (!campaign.is_object()) {
    launch_problem(
        out, "campaign", "invalid_type",
        std::string("The campaign must be a JSON object, not ") + json_type_name(campaign) + ".");
    return out;
  }
  const auto webhook = find_member(campaign, "webhook");
  if (webhook == campaign.end() || webhook->is_null()) {
    launch_problem(out, "webhook", "required",
                   "Add a webhook: the request each user's message sends.");
  } else {
    Problems shape_problems;
    JsonShape shape(shape_problems);
    check_webhook_shape(shape, *webhook, "webhook");
    if (!shape_problems.empty()) {
      for (Problem& p : shape_problems) out.push_back(std::move(p));
    } else {
      Options webhook_options;
      webhook_options.allow_local_http = options.allow_local_http;
      for (Problem& p : validate_webhook(webhook_spec(*webhook), webhook_options)) {
        if (p.severity != Severity::kError) continue;
        p.field = p.field.empty() ? "webhook" : "webhook." + p.field;
        out.push_back(std::move(p));
      }
    }
  }
  const auto target = find_member(campaign, "target");
  if (target == campaign.end() || target->is_null()) {
    launch_problem(out, "target", "required", "Choose who receives it: a cohort, or all users.");
  }
  const auto send = find_member(campaign, "send");
  if (send == campaign.end() || send->is_null()) {
    launch_problem(out, "send", "required",
                   "Choose when it is sent: on a schedule, when a user does something, or by "
                   "API call.");
  } else if (send->is_object()) {
    const auto type = find_member(*send, "type");
    if (type != send->end() && *type == "schedule") launch_schedule(out, *send, options);
  }
  return out;
}

}  // namespace hookcast
