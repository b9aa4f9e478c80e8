#include "campaign_api.hpp"

#include <cmath>
#include <cstdlib>
#include <deque>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "campaign.hpp"
#include "fatigue.hpp"
#include "json_shape.hpp"
#include "json_text.hpp"

namespace hookcast::api {
namespace {

using nlohmann::json;

// ---- output -----------------------------------------------------------------

void append_problems(std::string& out, const Problems& problems) {
  out.push_back('[');
  for (std::size_t i = 0; i < problems.size(); ++i) {
    const Problem& p = problems[i];
    out.append(i ? ",{\"field\":" : "{\"field\":");
    append_json_string(out, p.field);
    out.append(",\"code\":");
    append_json_string(out, p.code);
    out.append(",\"message\":");
    append_json_string(out, p.message);
    out.append(p.severity == Severity::kError ? ",\"severity\":\"error\"}"
                                              : ",\"severity\":\"warning\"}");
  }
  out.push_back(']');
}

std::string checked(const Problems& problems) {
  std::string out =
      has_error(problems) ? "{\"ok\":false,\"problems\":" : "{\"ok\":true,\"problems\":";
  append_problems(out, problems);
  out.push_back('}');
  return out;
}

std::string failure(std::string field, const char* code, std::string message) {
  std::string out = "{\"ok\":false,\"problems\":";
  append_problems(out, Problems{Problem{std::move(field), code, std::move(message)}});
  out.push_back('}');
  return out;
}

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

json parse(std::string_view text) { return json::parse(text.begin(), text.end(), nullptr, false); }

// A time in epoch ms as JavaScript's Date holds it, floored to a whole ms.
bool time_ms(double value, std::int64_t& out) {
  if (!std::isfinite(value) || std::fabs(value) > static_cast<double>(kMaxTimeMs)) return false;
  out = static_cast<std::int64_t>(std::floor(value));
  return true;
}

// An optional ms member of `options`: absent or null leaves `out` empty.
bool optional_ms(const json& options, const char* key, std::optional<std::int64_t>& out,
                 Problems& problems) {
  const auto it = options.find(key);
  if (it == options.end() || it->is_null()) return true;
  std::int64_t ms = 0;
  if (!it->is_number() || !time_ms(it->get<double>(), ms)) {
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
        u = shape.unit(*unit, "policy.resend.unit",
                       {TimeUnit::kMinutes, TimeUnit::kHours, TimeUnit::kDays, TimeUnit::kWeeks,
                        TimeUnit::kMonths});
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

// Epoch ms from a JSON number's text: whole numbers directly (ledger times
// are), anything else through strtod.
bool number_ms(std::string_view raw, std::int64_t& out) {
  bool negative = !raw.empty() && raw[0] == '-';
  const std::size_t start = negative ? 1 : 0;
  if (raw.size() > start && raw.size() - start <= 16) {
    std::int64_t v = 0;
    bool digits = true;
    for (std::size_t i = start; i < raw.size() && digits; ++i) {
      digits = raw[i] >= '0' && raw[i] <= '9';
      v = v * 10 + (raw[i] - '0');
    }
    if (digits) {
      out = negative ? -v : v;
      return out <= kMaxTimeMs && out >= -kMaxTimeMs;
    }
  }
  const std::string text(raw);
  char* end = nullptr;
  const double d = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && time_ms(d, out);
}

std::string ledger_field(std::size_t candidate, std::size_t entry) {
  return "ledgers[" + std::to_string(candidate) + "][" + std::to_string(entry) + "]";
}

// Reused by every batch (the wasm module is single-threaded; natively each
// thread gets its own).
struct BatchScratch {
  JsonDoc doc;
  std::vector<LedgerEntry> entries;
  std::deque<std::string> decoded;  // campaign keys that held escapes (stable addresses)
  Buffer text;
};

BatchScratch& scratch() {
  thread_local BatchScratch s;
  return s;
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
  const json doc = parse(body_json);
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
  const auto now_it = options.find("nowMs");
  if (now_it == options.end() || now_it->is_null()) {
    problems.push_back(Problem{"options.nowMs", "required",
                               "options.nowMs, the current time in milliseconds, is required."});
  } else {
    optional_ms(options, "nowMs", now, problems);
  }
  optional_ms(options, "scheduleAtMs", launch.schedule_at_ms, problems);
  optional_ms(options, "untilMs", launch.until_ms, problems);
  const auto local = options.find("allowLocalHttp");
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

std::string add_period(double ms, double n, std::string_view unit) {
  std::int64_t from = 0;
  if (!time_ms(ms, from) || ms != std::floor(ms)) {
    return failure("ms", "invalid_type",
                   "ms must be a whole number of milliseconds since the epoch.");
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

std::string fatigue_batch(std::string_view policy_json, std::string_view ledgers_json,
                          double send_at_ms) {
  Problems problems;
  FatiguePolicy policy;
  const json policy_doc = parse(policy_json);
  if (policy_doc.is_discarded())
    return failure("policy", "invalid_json", "The policy is not valid JSON.");
  if (!read_policy(policy_doc, policy, problems)) return checked(problems);
  std::int64_t send_at = 0;
  if (!time_ms(send_at_ms, send_at)) {
    return failure("sendAtMs", "invalid_type",
                   "sendAtMs must be a time in milliseconds since the epoch.");
  }
  BatchScratch& s = scratch();
  JsonError error;
  if (!s.doc.parse(ledgers_json, &error)) {
    return failure("ledgers", "invalid_json",
                   "The ledgers are not valid JSON at byte " + std::to_string(error.offset) + ": " +
                       error.reason + ".");
  }
  const JsonDoc& doc = s.doc;
  if (doc.node(0).type != JsonType::kArray) {
    return failure("ledgers", "invalid_type",
                   "The ledgers must be a list, one ledger per candidate.");
  }
  std::string out = "{\"ok\":true,\"reasons\":\"";
  out.reserve(out.size() + doc.node(0).count + 2);
  std::size_t candidate = 0;
  for (std::uint32_t l = 1; l < doc.node(0).next; l = doc.node(l).next, ++candidate) {
    if (doc.node(l).type != JsonType::kArray) {
      return failure("ledgers[" + std::to_string(candidate) + "]", "invalid_type",
                     "Each ledger must be a list of sends {campaign, at}.");
    }
    s.entries.clear();
    s.decoded.clear();
    std::size_t entry = 0;
    for (std::uint32_t e = l + 1; e < doc.node(l).next; e = doc.node(e).next, ++entry) {
      if (doc.node(e).type != JsonType::kObject) {
        return failure(ledger_field(candidate, entry), "invalid_type",
                       "A send must be an object {campaign, at}.");
      }
      const std::uint32_t campaign = doc.find(e, "campaign");
      const std::uint32_t at = doc.find(e, "at");
      if (campaign == JsonDoc::kNone || doc.node(campaign).type != JsonType::kString) {
        return failure(ledger_field(candidate, entry) + ".campaign", "invalid_type",
                       "A send's campaign must be the campaign's key, a text.");
      }
      LedgerEntry item;
      if (at == JsonDoc::kNone || doc.node(at).type != JsonType::kNumber ||
          !number_ms(doc.raw(at), item.at)) {
        return failure(ledger_field(candidate, entry) + ".at", "invalid_type",
                       "A send's at must be a time in milliseconds since the epoch.");
      }
      if (doc.node(campaign).escaped) {
        s.text.clear();
        doc.append_string(campaign, s.text);
        s.decoded.emplace_back(s.text.view());
        item.campaign = s.decoded.back();
      } else {
        item.campaign = doc.raw(campaign);
      }
      s.entries.push_back(item);
    }
    const FatigueReason reason =
        fatigue_decision(policy, s.entries.data(), s.entries.size(), send_at);
    out.push_back("oarf"[static_cast<int>(reason)]);
  }
  out.append("\"}");
  return out;
}

}  // namespace hookcast::api
