#include "campaign_api.hpp"

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "api_json.hpp"
#include "campaign.hpp"
#include "event_time.hpp"
#include "fatigue.hpp"
#include "frequency_capping.hpp"
#include "json_shape.hpp"
#include "json_text.hpp"

namespace hookcast::api {
namespace {

using nlohmann::json;

// ---- output -----------------------------------------------------------------

std::string refusal(const char* code, const std::string& message) {
  std::string out = "{\"ok\":false,\"code\":";
  append_json_string(out, code);
  out.append(",\"message\":");
  append_json_string(out, message);
  out.push_back('}');
  return out;
}

std::string verdict(const CampaignVerdict& v, bool with_status) {
  if (v.ok) {
    if (!with_status) return "{\"ok\":true}";
    std::string out = "{\"ok\":true,\"status\":";
    append_json_string(out, campaign_status_name(v.status));
    out.push_back('}');
    return out;
  }
  return refusal(v.code.c_str(), v.message);
}

std::string unknown_status(std::string_view status) {
  std::string shown;
  append_json_string(shown, status);
  return refusal("invalid_status", "The status " + shown +
                                       " is not a campaign status (ready, running, paused, "
                                       "ended).");
}

// ---- input ------------------------------------------------------------------------

// Not JSON, or nested past kMaxJsonDepth: discarded.
json parse(std::string_view text) { return parse_json(text).doc; }

// An optional ms member of `options`: absent or null leaves `out` empty.
bool optional_ms(const json& options, const char* key, std::optional<std::int64_t>& out,
                 Problems& problems) {
  const auto it = options.find(key);
  if (it == options.end() || it->is_null()) return true;
  std::int64_t ms = 0;
  if (!it->is_number() || !epoch_ms(it->get<double>(), ms)) {
    problems.push_back(Problem{std::string("options.") + key, "invalid_type",
                               std::string("options.") + key +
                                   " must be a time in milliseconds since the epoch, or null."});
    return false;
  }
  out = ms;
  return true;
}

// Reads the policy once per batch.
bool read_policy(const json& doc, FatiguePolicy& policy, Problems& problems) {
  JsonShape shape(problems);
  if (!shape.object(doc, "policy", "an object {campaign, resend, frequencyCapping, rules}"))
    return false;
  shape.only(doc, "policy", {"campaign", "resend", "frequencyCapping", "rules"}, "a policy");
  if (const json* c = shape.member(doc, "campaign", "policy.campaign", true,
                                   "The policy needs the key of the campaign sending.")) {
    if (const std::string* key = shape.text(*c, "policy.campaign", 1000, true))
      policy.campaign = *key;
  }
  if (const json* resend = shape.member(doc, "resend", "policy.resend", false)) {
    if (shape.object(*resend, "policy.resend", "an object {every, unit} or null")) {
      shape.only(*resend, "policy.resend", {"every", "unit"}, "a resend period");
      const json* every = shape.member(*resend, "every", "policy.resend.every", true,
                                       "A resend period needs every.");
      const json* unit = shape.member(*resend, "unit", "policy.resend.unit", true,
                                      "A resend period needs a unit.");
      std::optional<std::int64_t> n;
      if (every) n = shape.integer(*every, "policy.resend.every", 1, kMaxPeriodCount);
      std::optional<TimeUnit> u;
      if (unit) {
        u = shape.unit(*unit, "policy.resend.unit", kResendUnits);
      }
      if (n && u) policy.resend = ResendPeriod{*n, *u};
    }
  }
  if (const json* capping =
          shape.member(doc, "frequencyCapping", "policy.frequencyCapping", false)) {
    if (capping->is_boolean()) {
      policy.frequency_capping = capping->get<bool>();
    } else {
      shape.wrong_type("policy.frequencyCapping", "true or false", *capping);
    }
  }
  if (const json* rules = shape.member(doc, "rules", "policy.rules", false)) {
    for (Problem& p : read_cap_rules(*rules, "policy.rules", &policy.rules))
      problems.push_back(std::move(p));
  }
  return !has_error(problems);
}

// The policy and send time of a batch; an answer to return when either is bad.
std::string read_batch_args(std::string_view policy_json, double send_at_ms, FatiguePolicy& policy,
                            std::int64_t& send_at) {
  const json doc = parse(policy_json);
  if (doc.is_discarded()) return failure("policy", "invalid_json", "The policy is not valid JSON.");
  Problems problems;
  if (!read_policy(doc, policy, problems)) return checked(problems);
  if (!epoch_ms(send_at_ms, send_at)) {
    return failure("sendAtMs", "invalid_type",
                   "sendAtMs must be a time in milliseconds since the epoch.");
  }
  return std::string();
}

}  // namespace

std::string campaign_transition(std::string_view status, std::string_view action) {
  const auto s = parse_campaign_status(status);
  if (!s) return unknown_status(status);
  const auto a = parse_campaign_action(action);
  if (!a) {
    std::string shown;
    append_json_string(shown, action);
    return refusal("invalid_action",
                   "The action " + shown + " is not one of start, pause, resume, end.");
  }
  return verdict(hookcast::campaign_transition(*s, *a), true);
}

std::string campaign_editable(std::string_view status, std::string_view fields_json) {
  const auto s = parse_campaign_status(status);
  if (!s) return unknown_status(status);
  const json doc = parse(fields_json);
  std::vector<std::string> fields;
  bool ok = doc.is_array();
  for (std::size_t i = 0; ok && i < doc.size(); ++i) {
    ok = doc[i].is_string();
    if (ok) fields.push_back(doc[i].get<std::string>());
  }
  if (!ok) return refusal("invalid_fields", "The fields must be a list of field names.");
  return verdict(hookcast::campaign_editable(*s, fields.data(), fields.size()), false);
}

std::string check_campaign(std::string_view body_json, bool partial) {
  const ParsedJson parsed = parse_json(body_json);
  if (parsed.too_deep) {
    // send.where holds cohort conditions: too deep there is the cohort
    // reader's rule_too_deep, as on the cohort routes.
    const std::string& at = parsed.deep_at;
    const bool rule = at.compare(0, 10, "send.where") == 0;
    return failure(at.empty() ? "campaign" : at, rule ? "rule_too_deep" : "too_deep",
                   (at.empty() ? std::string("The campaign") : at) +
                       " nests arrays and objects more than " + std::to_string(kMaxJsonDepth) +
                       " levels deep.");
  }
  const json& doc = parsed.doc;
  if (doc.is_discarded())
    return failure("campaign", "invalid_json", "The campaign is not valid JSON.");
  return checked(hookcast::check_campaign(doc, partial));
}

std::string launch_check(std::string_view campaign_json, std::string_view options_json) {
  const json doc = parse(campaign_json);
  if (doc.is_discarded())
    return failure("campaign", "invalid_json", "The campaign is not valid JSON.");
  const json options = options_json.empty() ? json::object() : parse(options_json);
  if (!options.is_object()) {
    return failure("options", "invalid_type",
                   "The options must be an object {nowMs, scheduleAtMs, allowLocalHttp}.");
  }
  Problems problems;
  LaunchOptions launch;
  std::optional<std::int64_t> now;
  const auto now_it = find_member(options, "nowMs");
  if (now_it == options.end() || now_it->is_null()) {
    problems.push_back(Problem{"options.nowMs", "required",
                               "options.nowMs, the current time in milliseconds, is required."});
  } else {
    optional_ms(options, "nowMs", now, problems);
  }
  optional_ms(options, "scheduleAtMs", launch.schedule_at_ms, problems);
  optional_ms(options, "untilMs", launch.until_ms, problems);
  const auto local = find_member(options, "allowLocalHttp");
  if (local != options.end() && !local->is_null()) {
    if (local->is_boolean()) {
      launch.allow_local_http = local->get<bool>();
    } else {
      problems.push_back(Problem{"options.allowLocalHttp", "invalid_type",
                                 "options.allowLocalHttp must be true or false."});
    }
  }
  if (!problems.empty()) return checked(problems);
  launch.now_ms = *now;
  return checked(hookcast::launch_check(doc, launch));
}

std::string check_frequency_capping(std::string_view settings_json) {
  const json doc = parse(settings_json);
  if (doc.is_discarded())
    return failure("settings", "invalid_json", "The settings are not valid JSON.");
  return checked(hookcast::check_frequency_capping(doc, nullptr));
}

std::string event_time(std::string_view text, std::string_view field) {
  const EventTime t = parse_event_time(text, field);
  if (!t.ok) return failure(std::string(field), "invalid_time", t.message);
  return "{\"ok\":true,\"ms\":" + std::to_string(t.ms) + "}";
}

std::string add_period(double ms, double n, std::string_view unit) {
  std::int64_t from = 0;
  if (!epoch_ms(ms, from)) {  // floored, as every time at this surface
    return failure("ms", "invalid_type", "ms must be a time in milliseconds since the epoch.");
  }
  if (!std::isfinite(n) || n != std::floor(n) || std::fabs(n) > 1e9) {
    return failure("n", "invalid_type", "n must be a whole number (at most a billion either way).");
  }
  const auto u = parse_time_unit(unit);
  if (!u) {
    return failure("unit", "invalid_value",
                   "unit must be \"minutes\", \"hours\", \"days\", \"weeks\" or \"months\".");
  }
  return "{\"ok\":true,\"ms\":" +
         std::to_string(hookcast::add_period(from, static_cast<std::int64_t>(n), *u)) + "}";
}

std::string fatigue_reason_letters() {
  std::string out = "{";
  for (const FatigueReason reason : kFatigueReasons) {
    if (out.size() > 1) out.push_back(',');
    const char letter = fatigue_reason_letter(reason);
    append_json_string(out, std::string_view(&letter, 1));
    out.push_back(':');
    append_json_string(out, fatigue_reason_name(reason));
  }
  out.push_back('}');
  return out;
}

std::string fatigue_batch(std::string_view policy_json, std::string_view ledgers_json,
                          double send_at_ms) {
  FatiguePolicy policy;
  std::int64_t send_at = 0;
  std::string out = "{\"ok\":true,\"reasons\":\"";
  if (std::string failed = read_batch_args(policy_json, send_at_ms, policy, send_at);
      !failed.empty()) {
    return failed;
  }
  if (const auto problem = fatigue_batch_json(policy, ledgers_json, send_at, out))
    return checked(Problems{*problem});
  out.append("\"}");
  return out;
}

std::string fatigue_batch_packed(std::string_view policy_json, std::string_view keys_json,
                                 const double* data, std::size_t count, double send_at_ms) {
  FatiguePolicy policy;
  std::int64_t send_at = 0;
  if (std::string failed = read_batch_args(policy_json, send_at_ms, policy, send_at);
      !failed.empty()) {
    return failed;
  }
  const json keys_doc = parse(keys_json);
  std::vector<std::string> keys;
  for (std::size_t i = 0; keys_doc.is_array() && i < keys_doc.size(); ++i)
    keys.push_back(keys_doc[i].is_string() ? keys_doc[i].get<std::string>() : std::string());
  if (!keys_doc.is_array() || keys.size() != keys_doc.size())
    return failure("ledgers", "invalid_type", "The campaign keys must be a list of texts.");
  std::string out = "{\"ok\":true,\"reasons\":\"";
  if (const auto problem = hookcast::fatigue_batch_packed(policy, keys, data, count, send_at, out))
    return checked(Problems{*problem});
  out.append("\"}");
  return out;
}

std::string schedule_occurrences(std::string_view send_json, double after_wall_ms, double count) {
  if (std::isnan(after_wall_ms) || std::isnan(count)) {
    return failure("afterWallMs", "invalid_value", "afterWallMs and count must be numbers.");
  }
  const auto walls = read_schedule_walls(parse(send_json));
  if (!walls) {
    return failure(
        "send", "invalid_value",
        "The send is not a schedule {type: \"schedule\", at, repeat?} whose times read.");
  }
  const double bound = static_cast<double>(kMaxTimeMs);
  const std::int64_t after =
      static_cast<std::int64_t>(std::floor(std::max(-bound, std::min(bound, after_wall_ms))));
  const std::size_t n = static_cast<std::size_t>(std::max(0.0, std::min(1000.0, count)));
  std::string out = "{\"ok\":true,\"atWallMs\":" + std::to_string(walls->at) + ",\"untilWallMs\":";
  out += walls->until ? std::to_string(*walls->until) : std::string("null");
  out += ",\"occurrences\":[";
  bool first = true;
  for (const std::int64_t wall : schedule_occurrences(*walls, after, n)) {
    if (!first) out.push_back(',');
    first = false;
    out += std::to_string(wall);
  }
  out += "]}";
  return out;
}

double local_wall_ms(std::string_view text) {
  const auto wall = parse_local_date_time(text);
  return wall ? static_cast<double>(*wall) : std::nan("");
}

}  // namespace hookcast::api
