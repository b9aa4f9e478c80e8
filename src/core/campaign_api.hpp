// The JSON-in/JSON-out surface of the campaign and fatigue rules, which the
// wasm bindings expose one to one (as api.hpp does for webhooks). Nothing
// throws across the boundary: every failure is an answer.
//
// Shapes (all UTF-8 JSON text; times are epoch milliseconds as numbers):
//   problem   {"field","code","message","severity":"error"|"warning"}
//   policy    {"campaign":string,"resend":null|{"every":N,"unit":U},
//              "frequencyCapping":bool,"rules":[{"limit":N,"period":{"value":N,"unit":U}}]}
//   ledgers   [[{"campaign":string,"at":ms}, ...], ...]   one ledger per candidate
#pragma once

#include <string>
#include <string_view>

namespace hookcast::api {

/// {"ok":true,"status":"running"} | {"ok":false,"code":"invalid_transition","message"}.
/// An unknown status or action answers code "invalid_status" / "invalid_action".
std::string campaign_transition(std::string_view status, std::string_view action);

/// fields_json: a JSON array of top-level field names. {"ok":true} |
/// {"ok":false,"code":"campaign_not_editable","message"}; an unknown status
/// or a fields value that is not a list of texts answers code
/// "invalid_status" / "invalid_fields".
std::string campaign_editable(std::string_view status, std::string_view fields_json);

/// {"ok":bool,"problems":[problem...]}: the shape check of a create
/// (partial false) or PATCH (partial true) body. Text that is not JSON is
/// the problem "campaign" / "invalid_json".
std::string check_campaign(std::string_view body_json, bool partial);

/// options {"nowMs":ms,"scheduleAtMs":ms|null,"untilMs"?:ms|null,
/// "allowLocalHttp"?:bool}. {"ok":bool,"problems":[...]}: every reason the
/// campaign cannot start. Bad options are problems under "options.".
std::string launch_check(std::string_view campaign_json, std::string_view options_json);

/// The wall-clock occurrences of a schedule send (read_schedule_walls):
/// {"ok":true,"atWallMs":N,"untilWallMs":N|null,"occurrences":[N...]} with
/// up to `count` (≤ 1000) occurrences strictly after `after_wall_ms` (±∞
/// allowed), or {"ok":false,"problems":[...]} when `send` is not a readable
/// schedule send (field "send") or after_wall_ms is NaN ("afterWallMs").
std::string schedule_occurrences(std::string_view send_json, double after_wall_ms, double count);

/// The wall-clock milliseconds (read as if UTC) of a local date-time as
/// `send.at` is written (parse_local_date_time), or NaN when it is not one.
double local_wall_ms(std::string_view text);

/// {"ok":bool,"problems":[...]} for the workspace's frequency-capping settings.
std::string check_frequency_capping(std::string_view settings_json);

/// An event's time (event_time.hpp): {"ok":true,"ms":N} or
/// {"ok":false,"problems":[{field, "invalid_time", message}]} with `field`
/// as given ("events[3].at").
std::string event_time(std::string_view text, std::string_view field);

/// {"ok":true,"ms":N} | {"ok":false,"problems":[...]}: `ms` (floored to a
/// whole millisecond) moved by `n` units (calendar months for "months");
/// n must be a whole number, |n| ≤ 1e9.
std::string add_period(double ms, double n, std::string_view unit);

/// {"ok":true,"reasons":"oarf..."}: one letter per ledger, in order: o ok,
/// a already_sent, r resend_period, f frequency_cap. Or
/// {"ok":false,"problems":[...]} naming "policy.…", "ledgers[i][j].at" or
/// "sendAtMs". The policy is read once for the whole batch.
std::string fatigue_batch(std::string_view policy_json, std::string_view ledgers_json,
                          double send_at_ms);

/// {"o":"ok","a":"already_sent","r":"resend_period","f":"frequency_cap"}:
/// each letter of a fatigue_batch() answer with the reason it stands for,
/// every reason of kFatigueReasons, so a binding reads the table instead of
/// keeping a copy.
std::string fatigue_reason_letters();

/// fatigue_batch() without JSON for the ledgers, for the wasm binding: the
/// campaign keys once, as a JSON array of distinct strings (`keys_json`),
/// and the ledgers as `count` doubles, per candidate
///   n, then n pairs (key index, at)
/// where n = −1 marks a ledger that is not a list, a key index −1 a
/// campaign that is not a string, −2 a send that is not an object, and a
/// NaN `at` a time that is not a number. Same answer as fatigue_batch(),
/// problems included (they name "ledgers[i][j].at" and the like).
std::string fatigue_batch_packed(std::string_view policy_json, std::string_view keys_json,
                                 const double* data, std::size_t count, double send_at_ms);

}  // namespace hookcast::api
