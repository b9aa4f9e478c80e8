// The JSON-in/JSON-out surface of the experiment rules (experiment.hpp),
// which the wasm bindings expose one to one. Coarse on purpose: one call
// assigns a whole chunk of candidates. Nothing throws across the boundary.
//
// Shapes (UTF-8 JSON text; times are epoch milliseconds):
//   uplift   {"absolute":d,"relative":d|null,"ci95":[lo,hi],"pValue":p}
//   within   {"value":N,"unit":"minutes"|"hours"|"days"|"weeks"}  (≤ 30 days)
#pragma once

#include <string>
#include <string_view>

namespace hookcast::api {

/// {"ok":true,"groups":"0110…"}: one character per id of `user_ids_json` (a
/// JSON array of texts), '1' when that user is in campaign `campaign_key`'s
/// control group at `control_percent` (0..50, two decimals). Problems:
/// "controlPercent" out_of_range, "userIds" invalid_json / invalid_type.
std::string control_groups(std::string_view campaign_key, std::string_view user_ids_json,
                           double control_percent);

/// {"ok":true,"converts":bool}: whether a goal event at `event_at_ms`
/// converts a user whose (would-be) send started at `send_start_ms`, with
/// the goal's window `within_json`. Problems name "sendStartMs", "eventAtMs"
/// or "within.value" / "within.unit".
std::string converts_within(double send_start_ms, double event_at_ms, std::string_view within_json);

/// {"ok":true,"uplift":uplift|null} for the two groups' counts (null below
/// kMinUsersPerGroup users in a group). Counts must be whole numbers,
/// 0 ≤ converted ≤ users; otherwise a problem names "sent.users",
/// "control.converted", ...
std::string compare_groups(double sent_users, double sent_converted, double control_users,
                           double control_converted);

}  // namespace hookcast::api
