#include "vocabulary_api.hpp"

#include <cstdint>
#include <iterator>

#include "audience_input.hpp"
#include "calendar.hpp"
#include "campaign.hpp"
#include "cohort.hpp"
#include "experiment.hpp"
#include "fatigue.hpp"
#include "frequency_capping.hpp"
#include "json_text.hpp"
#include "suppression.hpp"
#include "webhook.hpp"

namespace hookcast::api {
namespace {

// Appends ["a","b",...] of name(item) for every item of `items`.
template <typename Items, typename Name>
void append_names(std::string& out, const Items& items, Name name) {
  out.push_back('[');
  bool first = true;
  for (const auto& item : items) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, name(item));
  }
  out.push_back(']');
}

void append_units(std::string& out, const char* key, TimeUnits units) {
  out.push_back('"');
  out.append(key);
  out.append("\":");
  append_names(out, units, time_unit_name);
}

void append_limit(std::string& out, const char* key, std::int64_t value) {
  out.push_back('"');
  out.append(key);
  out.append("\":");
  out.append(std::to_string(value));
}

void append_flag(std::string& out, const char* key, bool value) {
  out.append(",\"");
  out.append(key);
  out.append(value ? "\":true" : "\":false");
}

std::string refusal(const char* code, const std::string& message) {
  std::string out = "{\"ok\":false,\"code\":";
  append_json_string(out, code);
  out.append(",\"message\":");
  append_json_string(out, message);
  out.push_back('}');
  return out;
}

}  // namespace

std::string vocabulary() {
  std::string out = "{\"units\":{";
  append_units(out, "delay", kDelayUnits);
  out.push_back(',');
  append_units(out, "repeat", kRepeatUnits);
  out.push_back(',');
  append_units(out, "resend", kResendUnits);
  out.push_back(',');
  append_units(out, "capPeriod", kCapPeriodUnits);
  out.push_back(',');
  append_units(out, "within", kAllTimeUnits);
  out.push_back(',');
  append_units(out, "goalWithin", kGoalWithinUnits);
  out.append("},\"suppressionReasons\":");
  append_names(out, kSuppressionReasons, suppression_reason_name);
  out.append(",\"candidateChecks\":");
  append_names(out, kCandidateChecks, suppression_reason_name);
  out.append(",\"fatigueReasons\":");
  append_names(out, kFatigueReasons, fatigue_reason_name);
  out.append(",\"campaignStatuses\":");
  append_names(out, kCampaignStatuses, campaign_status_name);
  out.append(",\"initialStatus\":");
  append_json_string(out, campaign_status_name(kInitialCampaignStatus));
  out.append(",\"campaignActions\":");
  append_names(out, kCampaignActions, campaign_action_name);
  out.append(",\"sendTypes\":");
  append_names(out, kSendTypes, send_type_name);
  out.append(",\"methods\":");
  append_names(out, kMethods, [](const char* m) { return std::string_view(m); });
  out.append(",\"operators\":{\"property\":");
  append_names(out, kPropertyOps, property_op_name);
  out.append(",\"event\":");
  append_names(out, kEventOpNames, [](std::string_view n) { return n; });
  out.append(",\"count\":");
  append_names(out, kCountOps, count_op_name);
  out.append("},\"limits\":{");
  append_limit(out, "titleChars", static_cast<std::int64_t>(kMaxTitleChars));
  out.push_back(',');
  append_limit(out, "descriptionChars", static_cast<std::int64_t>(kMaxDescriptionChars));
  out.push_back(',');
  append_limit(out, "nameChars", static_cast<std::int64_t>(kMaxNameChars));
  out.push_back(',');
  append_limit(out, "periodCount", kMaxPeriodCount);
  out.push_back(',');
  append_limit(out, "delayMs", kMaxDelayMs);
  out.push_back(',');
  append_limit(out, "perMinute", kMaxPerMinute);
  out.push_back(',');
  append_limit(out, "timeoutMs", kMaxTimeoutMs);
  out.push_back(',');
  append_limit(out, "whereConditions", static_cast<std::int64_t>(kMaxWhereConditions));
  out.push_back(',');
  append_limit(out, "capRules", static_cast<std::int64_t>(kMaxCapRules));
  out.push_back(',');
  append_limit(out, "capLimit", kMaxCapLimit);
  out.push_back(',');
  append_limit(out, "capWindowMs", kMaxCapWindowMs);
  out.push_back(',');
  append_limit(out, "urlBytes", static_cast<std::int64_t>(kMaxUrlBytes));
  out.push_back(',');
  append_limit(out, "params", static_cast<std::int64_t>(kMaxParams));
  out.push_back(',');
  append_limit(out, "headers", static_cast<std::int64_t>(kMaxHeaders));
  out.push_back(',');
  append_limit(out, "headerValueBytes", static_cast<std::int64_t>(kMaxHeaderValueBytes));
  out.push_back(',');
  append_limit(out, "cohortDepth", kMaxCohortDepth);
  out.push_back(',');
  append_limit(out, "cohortNodes", kMaxCohortNodes);
  out.push_back(',');
  append_limit(out, "audienceItems", static_cast<std::int64_t>(kMaxAudienceItems));
  out.push_back(',');
  append_limit(out, "idBytes", static_cast<std::int64_t>(kMaxIdBytes));
  out.push_back(',');
  append_limit(out, "propertiesBytes", static_cast<std::int64_t>(kMaxPropertiesBytes));
  out.push_back(',');
  append_limit(out, "propertyNames", static_cast<std::int64_t>(kMaxPropertyNames));
  out.push_back(',');
  append_limit(out, "propertyDepth", static_cast<std::int64_t>(kMaxPropertyDepth));
  out.append("}}");
  return out;
}

std::string campaign_capabilities(std::string_view status_name, std::string_view send_type_text) {
  const auto status = parse_campaign_status(status_name);
  if (!status) {
    std::string shown;
    append_json_string(shown, status_name);
    return refusal(
        "invalid_status",
        "The status " + shown + " is not a campaign status (ready, running, paused, ended).");
  }
  std::optional<SendType> type;
  if (!send_type_text.empty() && send_type_text != "null") {
    type = parse_send_type(send_type_text);
    if (!type) {
      std::string shown;
      append_json_string(shown, send_type_text);
      return refusal("invalid_send_type",
                     "The send type " + shown + " is not one of \"schedule\", \"event\", \"api\".");
    }
  }
  const CampaignCapabilities c = campaign_capabilities(*status, type);
  std::string out = "{\"ok\":true,\"status\":";
  append_json_string(out, campaign_status_name(*status));
  out.append(",\"sendType\":");
  if (type) {
    append_json_string(out, send_type_name(*type));
  } else {
    out.append("null");
  }
  out.append(",\"transitions\":{");
  bool first = true;
  for (std::size_t i = 0; i < std::size(kCampaignActions); ++i) {
    if (!c.action_allowed[i]) continue;
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, campaign_action_name(kCampaignActions[i]));
    out.push_back(':');
    append_json_string(
        out, campaign_status_name(campaign_transition(*status, kCampaignActions[i]).status));
  }
  out.push_back('}');
  append_flag(out, "labelsEditable", c.labels_editable);
  append_flag(out, "contentEditable", c.content_editable);
  append_flag(out, "acceptsApiSends", c.accepts_api_sends);
  append_flag(out, "triggersOnEvents", c.triggers_on_events);
  append_flag(out, "runsSchedules", c.runs_schedules);
  append_flag(out, "dispatches", c.dispatches);
  append_flag(out, "holdsPending", c.holds_pending);
  append_flag(out, "cancelsPending", c.cancels_pending);
  append_flag(out, "final", c.final);
  append_flag(out, "waitsForResume", c.waits_for_resume);
  append_flag(out, "mayHaveSent", c.may_have_sent);
  append_flag(out, "resendsFailed", c.resends_failed);
  append_flag(out, "retriesDeliveries", c.retries_deliveries);
  out.push_back('}');
  return out;
}

}  // namespace hookcast::api
