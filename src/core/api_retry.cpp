// retry_decision's JSON: the outcome and options read and checked, the
// core's decision written back.
#include <cmath>
#include <nlohmann/json.hpp>

#include "api.hpp"
#include "api_json.hpp"
#include "json_shape.hpp"
#include "retry.hpp"

namespace hookcast::api {

using nlohmann::json;

std::string retry_decision(std::string_view outcome_json, int attempt, double now_ms,
                           std::string_view options_json) {
  Outcome outcome;
  const json doc = parse_json(outcome_json).doc;
  if (doc.is_discarded() || !doc.is_object()) {
    return failure(
        "outcome", "invalid_type",
        "The outcome must be {\"status\": 503} or {\"error\": \"timeout\"|\"network\"}.");
  }
  const auto error = doc.find("error");
  const auto status = doc.find("status");
  if (error != doc.end() && !error->is_null()) {
    const bool timeout = error->is_string() && error->get_ref<const std::string&>() == "timeout";
    const bool network = error->is_string() && error->get_ref<const std::string&>() == "network";
    if (!timeout && !network) {
      return failure("outcome.error", "invalid_type",
                     "outcome.error must be \"timeout\" or \"network\".");
    }
    outcome.kind = timeout ? Outcome::Kind::kTimeout : Outcome::Kind::kNetwork;
  } else if (status != doc.end() && status->is_number()) {
    const double s = status->get<double>();
    if (s != std::floor(s)) {
      return failure("outcome.status", "invalid_type", "outcome.status must be a whole number.");
    }
    outcome.kind = Outcome::Kind::kStatus;
    outcome.status = (s >= -1e6 && s <= 1e6) ? static_cast<int>(s) : -1;
    const auto after = doc.find("retryAfter");
    if (after != doc.end() && !after->is_null()) {
      if (!after->is_string()) {
        return failure("outcome.retryAfter", "invalid_type",
                       "outcome.retryAfter must be the Retry-After header's text.");
      }
      outcome.retry_after = after->get<std::string>();
    }
  } else {
    return failure("outcome", "invalid_type",
                   "The outcome needs a numeric status or an error (\"timeout\" or \"network\").");
  }
  if (!std::isfinite(now_ms) || std::fabs(now_ms) > 8.64e15) {
    return failure("nowMs", "invalid_type", "nowMs must be a finite number of milliseconds.");
  }
  RetryOptions options;
  if (!options_json.empty()) {
    const json opts = parse_json(options_json).doc;
    if (opts.is_discarded() || !opts.is_object()) {
      return failure("options", "invalid_type",
                     "The retry options must be an object {\"jitter\": bool, \"seed\": number}.");
    }
    const auto jitter = opts.find("jitter");
    if (jitter != opts.end() && !jitter->is_null()) {
      if (!jitter->is_boolean()) {
        return failure("options.jitter", "invalid_type", "options.jitter must be true or false.");
      }
      options.jitter = jitter->get<bool>();
    }
    const auto seed = opts.find("seed");
    if (seed != opts.end() && !seed->is_null()) {
      const double v = seed->is_number() ? seed->get<double>() : -1;
      if (!seed->is_number() || v < 0 || v != std::floor(v) || v >= 18446744073709551616.0) {
        return failure("options.seed", "invalid_type",
                       "options.seed must be a whole number, 0 or more.");
      }
      options.seed =
          seed->is_number_unsigned() ? seed->get<std::uint64_t>() : static_cast<std::uint64_t>(v);
    }
  }
  const RetryDecision d = hookcast::retry_decision(
      outcome, attempt, static_cast<std::int64_t>(std::floor(now_ms)), options);
  std::string out = d.retry ? "{\"ok\":true,\"retry\":true,\"delayMs\":"
                            : "{\"ok\":true,\"retry\":false,\"delayMs\":";
  out += std::to_string(d.delay_ms);
  out.append(",\"reason\":");
  append_json_string(out, d.reason);
  out.append(",\"verdict\":\"");
  out.append(verdict_name(d.verdict));
  out.append("\"}");
  return out;
}

}  // namespace hookcast::api
