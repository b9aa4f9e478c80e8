#include "experiment_api.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "api_json.hpp"
#include "calendar.hpp"
#include "experiment.hpp"
#include "fatigue.hpp"
#include "json_shape.hpp"

namespace hookcast::api {
namespace {

using nlohmann::json;

// Counts cross as doubles (JavaScript numbers): whole and within 2^53.
std::optional<std::int64_t> whole_count(double value) {
  if (!std::isfinite(value) || value < 0 || value != std::floor(value) ||
      value > 9007199254740991.0)
    return std::nullopt;
  return static_cast<std::int64_t>(value);
}

void append_number(std::string& out, double value) { out.append(json(value).dump()); }

}  // namespace

std::string control_groups(std::string_view campaign_key, std::string_view user_ids_json,
                           double control_percent) {
  const auto basis_points = control_basis_points(control_percent);
  if (!basis_points) {
    return failure("controlPercent", "out_of_range",
                   "controlPercent must be a number from 0 to 50 with at most two decimals.");
  }
  const json ids = json::parse(user_ids_json.begin(), user_ids_json.end(), nullptr, false);
  if (ids.is_discarded())
    return failure("userIds", "invalid_json", "The user ids are not valid JSON.");
  if (!ids.is_array())
    return failure("userIds", "invalid_type", "The user ids must be a list of texts.");
  std::string out = "{\"ok\":true,\"groups\":\"";
  out.reserve(out.size() + ids.size() + 2);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!ids[i].is_string()) {
      return failure("userIds[" + std::to_string(i) + "]", "invalid_type",
                     "A user id must be a text.");
    }
    out.push_back(
        in_control_group(campaign_key, ids[i].get_ref<const std::string&>(), *basis_points) ? '1'
                                                                                            : '0');
  }
  out.append("\"}");
  return out;
}

std::string converts_within(double send_start_ms, double event_at_ms,
                            std::string_view within_json) {
  std::int64_t start = 0;
  std::int64_t at = 0;
  if (!epoch_ms(send_start_ms, start)) {
    return failure("sendStartMs", "invalid_type",
                   "sendStartMs must be a time in milliseconds since the epoch.");
  }
  if (!epoch_ms(event_at_ms, at)) {
    return failure("eventAtMs", "invalid_type",
                   "eventAtMs must be a time in milliseconds since the epoch.");
  }
  const json within = json::parse(within_json.begin(), within_json.end(), nullptr, false);
  Problems problems;
  JsonShape shape(problems);
  std::optional<std::int64_t> value;
  std::optional<TimeUnit> unit;
  if (!within.is_discarded() && shape.object(within, "within", "an object {value, unit}")) {
    if (const json* v =
            shape.member(within, "value", "within.value", true, "within needs a value, e.g. 7."))
      value = shape.integer(*v, "within.value", 1, kMaxGoalWithinMs / 60000);
    const std::string unit_message =
        "within needs a unit: " + time_unit_names(kGoalWithinUnits) + ".";
    if (const json* u = shape.member(within, "unit", "within.unit", true, unit_message.c_str()))
      unit = shape.unit(*u, "within.unit", kGoalWithinUnits);
  } else if (within.is_discarded()) {
    shape.error("within", "invalid_json", "within is not valid JSON.");
  }
  if (!problems.empty()) return failure(problems);
  if (*value * fixed_unit_ms(*unit) > kMaxGoalWithinMs)
    return failure("within.value", "out_of_range", "A goal's window can be at most 30 days.");
  const bool converts = hookcast::converts_within(start, at, *value * fixed_unit_ms(*unit));
  return converts ? "{\"ok\":true,\"converts\":true}" : "{\"ok\":true,\"converts\":false}";
}

std::string compare_groups(double sent_users, double sent_converted, double control_users,
                           double control_converted) {
  struct Arg {
    const char* field;
    double value;
  };
  const Arg args[] = {{"sent.users", sent_users},
                      {"sent.converted", sent_converted},
                      {"control.users", control_users},
                      {"control.converted", control_converted}};
  std::int64_t n[4] = {};
  for (int i = 0; i < 4; ++i) {
    const auto count = whole_count(args[i].value);
    if (!count) {
      return failure(args[i].field, "invalid_count",
                     std::string(args[i].field) + " must be a whole number ≥ 0.");
    }
    n[i] = *count;
  }
  if (n[1] > n[0])
    return failure("sent.converted", "invalid_count", "sent.converted exceeds sent.users.");
  if (n[3] > n[2]) {
    return failure("control.converted", "invalid_count",
                   "control.converted exceeds control.users.");
  }
  const auto u = hookcast::compare_groups({n[0], n[1]}, {n[2], n[3]});
  if (!u) return "{\"ok\":true,\"uplift\":null}";
  std::string out = "{\"ok\":true,\"uplift\":{\"absolute\":";
  append_number(out, u->absolute);
  out.append(",\"relative\":");
  if (u->relative) {
    append_number(out, *u->relative);
  } else {
    out.append("null");
  }
  out.append(",\"ci95\":[");
  append_number(out, u->ci_low);
  out.push_back(',');
  append_number(out, u->ci_high);
  out.append("],\"pValue\":");
  append_number(out, u->p_value);
  out.append("}}");
  return out;
}

}  // namespace hookcast::api
