// The rules of a campaign as a thing that is edited and started: its status
// machine, which fields an edit may touch in which status, the shape of the
// create/PATCH body, and what a campaign needs before it can start.
//
// Decisions worth knowing:
//   * Status: ready → running (start), running → paused (pause), paused →
//     running (resume), ready|running|paused → ended (end). Ended is final.
//     Asking for the status a campaign already has is refused like any other
//     illegal transition (`invalid_transition`), with a message naming the
//     current status and what it allows.
//   * Edits: title and description in any status but ended; every other field
//     (webhook, target, send, fatigue, rateLimit, signingSecret, timeoutMs,
//     experiment, quietHours) in ready or paused only (`campaign_not_editable`). An ended campaign
//     accepts no edit at all, not even an empty one.
//   * Shape: a create or PATCH body whose every given field has the right type
//     and range. A webhook's *content* (https_required, invalid_json,
//     unknown_variable, ...) is not shape: a draft is stored with those
//     problems and `start` refuses it. PATCH replaces each top-level field it
//     names whole (`send`, `fatigue`, ... are not merged member by member).
//   * Launch: every missing piece at once (webhook, its errors, target, send,
//     a schedule whose every occurrence is in the past), never one at a time.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calendar.hpp"
#include "problem.hpp"

namespace hookcast {

/// Where a campaign is in its life.
enum class CampaignStatus { kReady, kRunning, kPaused, kEnded };

/// The status a new campaign is stored in, and the one a dispatch object
/// assumes before it hears of its campaign (it holds messages, as paused).
inline constexpr CampaignStatus kInitialCampaignStatus = CampaignStatus::kReady;

/// What a caller asks a campaign to do.
enum class CampaignAction { kStart, kPause, kResume, kEnd };

/// "ready" | "running" | "paused" | "ended"; nullopt for anything else.
std::optional<CampaignStatus> parse_campaign_status(std::string_view name);
/// The name parse_campaign_status() accepts.
std::string_view campaign_status_name(CampaignStatus status);
/// "start" | "pause" | "resume" | "end"; nullopt for anything else.
std::optional<CampaignAction> parse_campaign_action(std::string_view name);

/// How a campaign's messages are started (`send.type`).
enum class SendType { kSchedule, kEvent, kApi };

/// "schedule" | "event" | "api"; nullopt for anything else.
std::optional<SendType> parse_send_type(std::string_view name);
/// The name parse_send_type() accepts.
std::string_view send_type_name(SendType type);

/// Every status, action and send type, in the order the product lists them.
inline constexpr CampaignStatus kCampaignStatuses[] = {
    CampaignStatus::kReady, CampaignStatus::kRunning, CampaignStatus::kPaused,
    CampaignStatus::kEnded};
inline constexpr CampaignAction kCampaignActions[] = {
    CampaignAction::kStart, CampaignAction::kPause, CampaignAction::kResume, CampaignAction::kEnd};
inline constexpr SendType kSendTypes[] = {SendType::kSchedule, SendType::kEvent, SendType::kApi};

/// The name of an action ("start", ...).
std::string_view campaign_action_name(CampaignAction action);

/// What a campaign in a status (with a send type, when it has one) allows
/// and does: the one place the edge and the console read "only while
/// running" from.
struct CampaignCapabilities {
  /// Title and description may be edited (every status but ended).
  bool labels_editable = false;
  /// Every other field may be edited (ready and paused).
  bool content_editable = false;
  /// Per kCampaignActions entry: whether the action is a legal transition.
  bool action_allowed[4] = {};
  /// POST /send is accepted: running, send type api.
  bool accepts_api_sends = false;
  /// A user's event starts a send: running, send type event.
  bool triggers_on_events = false;
  /// Due schedule occurrences become runs: running, send type schedule.
  bool runs_schedules = false;
  /// Pending messages are dispatched: running.
  bool dispatches = false;
  /// Pending messages wait (ready counts as paused: nothing is dispatched
  /// before start, and a dispatch that has not heard of a start holds).
  bool holds_pending = false;
  /// Pending messages not yet dispatched are cancelled: ended.
  bool cancels_pending = false;
  /// No further transition or edit (ended).
  bool final = false;
  /// Pending messages wait for `resume` (paused): the console says so, and
  /// a paused schedule whose send changes has its next run placed again.
  bool waits_for_resume = false;
  /// Messages may have been sent, so the campaign has stats to read (every
  /// status but ready; a ready campaign's stats are all zero).
  bool may_have_sent = false;
  /// POST /v1/campaigns/:key/resend-failed is accepted (running and paused;
  /// paused: the messages wait like any other pending message).
  bool resends_failed = false;
  /// POST /v1/deliveries/:id/retry is accepted for the campaign's deliveries
  /// (every status but ended).
  bool retries_deliveries = false;
};

/// The capabilities of `status` for a campaign sending by `send_type`
/// (nullopt: no send chosen yet, so nothing triggers it).
CampaignCapabilities campaign_capabilities(CampaignStatus status,
                                           std::optional<SendType> send_type);

/// Verdict of a transition or an edit: `ok`, or the refusal's stable code
/// (`invalid_transition`, `campaign_not_editable`) and a sentence for a person.
struct CampaignVerdict {
  bool ok = false;
  CampaignStatus status = CampaignStatus::kReady;  ///< the new status when ok (transitions)
  std::string code;
  std::string message;
};

/// The status after `action`, or `invalid_transition` naming the current
/// status and the actions it allows ("The campaign is paused; it can be
/// resumed or ended.").
CampaignVerdict campaign_transition(CampaignStatus status, CampaignAction action);

/// Top-level fields of a campaign body, as a PATCH names them.
/// Title and description are "labels": editable in every status but ended.
bool is_campaign_label_field(std::string_view field);

/// Whether an edit touching `fields` (top-level names, e.g. "webhook") is
/// allowed in `status`; else `campaign_not_editable` saying why ("The campaign
/// is running; pause it to edit its webhook and target."). A name that is not
/// a label counts as content.
CampaignVerdict campaign_editable(CampaignStatus status, const std::string* fields,
                                  std::size_t count);

// ---- units and limits of the shape check ---------------------------------------

/// Units of `send.repeat.unit`: whole days and weeks (a wall-clock step).
inline constexpr TimeUnit kRepeatUnitList[] = {TimeUnit::kDays, TimeUnit::kWeeks};
constexpr TimeUnits kRepeatUnits = units_of(kRepeatUnitList);

/// Units of `send.delay.unit`: fixed lengths, minutes to weeks.
inline constexpr TimeUnit kDelayUnitList[] = {TimeUnit::kMinutes, TimeUnit::kHours, TimeUnit::kDays,
                                              TimeUnit::kWeeks};
constexpr TimeUnits kDelayUnits = units_of(kDelayUnitList);

constexpr std::size_t kMaxTitleChars = 200;         ///< characters (code points)
constexpr std::size_t kMaxDescriptionChars = 2000;  ///< characters (code points)
constexpr std::size_t kMaxNameChars = 200;          ///< cohort id, event key, time-zone name
constexpr std::int64_t kMaxPeriodCount = 100000;    ///< repeat.every, resend.every
constexpr std::int64_t kMaxDelayMs = 365LL * 24 * 3600 * 1000;  ///< send.delay: one year
constexpr std::int64_t kMaxPerMinute = 60000;                   ///< rateLimit.perMinute
constexpr std::int64_t kMaxTimeoutMs = 30000;    ///< timeoutMs: 1..30000 (deliver.js's range)
constexpr std::size_t kMinSigningKeyBytes = 24;  ///< Standard Webhooks' recommended key size
constexpr std::size_t kMaxSigningKeyBytes = 64;
constexpr std::size_t kMaxWhereConditions = 20;  ///< send.where

/// The range of a schedule's local date-times (`send.at`, `send.repeat.until`):
/// from 1970-01-01T00:00 up to, not including, 2100-01-01T00:00 (wall clock,
/// as parse_local_date_time() reads it). Every zone's offset is within ±14 h,
/// so every instant a schedule can name is before kLastScheduleInstantMs, far
/// inside what the runtimes' clocks and alarms compute with (workerd's alarms
/// stop at 2189; JavaScript dates at 275760).
constexpr std::int64_t kFirstScheduleLocalMs = 0;
constexpr std::int64_t kEndScheduleLocalMs = 4'102'444'800'000;  ///< 2100-01-01T00:00
/// No schedule instant (a run, an alarm) is at or after this: 2100-01-02T00:00Z.
constexpr std::int64_t kLastScheduleInstantMs = kEndScheduleLocalMs + 86'400'000;

/// Reads a local date-time exactly as `send.at` is written:
/// "YYYY-MM-DDTHH:mm" or "YYYY-MM-DDTHH:mm:ss", no offset, no fraction, a
/// real calendar date. Returns its milliseconds as if the wall clock were UTC
/// (the edge places it in the campaign's time zone); nullopt otherwise.
std::optional<std::int64_t> parse_local_date_time(std::string_view text);

/// Reads `send.repeat.until`: a local date-time as parse_local_date_time(),
/// or a date alone, "YYYY-MM-DD", meaning through that day (its last
/// millisecond, 23:59:59.999 wall-clock). Milliseconds as if the wall clock
/// were UTC; nullopt otherwise.
std::optional<std::int64_t> parse_local_until(std::string_view text);

/// Problems of a signing secret: "whsec_" + base64 (standard alphabet,
/// padded) of a 24..64-byte key (Standard Webhooks). `field` names it.
Problems check_signing_secret(std::string_view secret, const std::string& field);

/// Shape check of a create (`partial` false: title required) or PATCH body
/// (`partial` true: only the fields present). Errors only; an empty list
/// means the body may be stored. Field paths: `title`, `send.repeat.unit`,
/// `webhook.headers[0].key`, `fatigue.resend.every`, ... A schedule's
/// `at` or `until` outside [1970-01-01, 2100-01-01) is `out_of_range`.
Problems check_campaign(const nlohmann::json& body, bool partial);

/// What launch_check() needs besides the campaign; times in epoch ms.
struct LaunchOptions {
  std::int64_t now_ms = 0;
  /// `send.at` placed in `send.timeZone` (converted by the edge); nullopt
  /// when the campaign has no schedule or it could not be converted.
  std::optional<std::int64_t> schedule_at_ms;
  /// `send.repeat.until` placed in the time zone; when absent, the until is
  /// placed with the offset of `send.at` (exact unless daylight saving
  /// changes in between).
  std::optional<std::int64_t> until_ms;
  bool allow_local_http = false;
};

/// Every reason the stored campaign `campaign` cannot start, at once:
/// `webhook` required, the webhook's validation errors (fields prefixed
/// `webhook.`), `target` required, `send` required, `send.at`
/// schedule_in_past (the schedule's time is not after now and no repeat
/// occurrence is), `send.at` out_of_range (an instant at or after
/// kLastScheduleInstantMs, as a row stored before that bound may hold).
/// Errors only; empty means it may start.
Problems launch_check(const nlohmann::json& campaign, const LaunchOptions& options);

/// A schedule send as wall-clock times (milliseconds of the local clock read
/// as if it were UTC): the core steps schedules and ends them at `until`;
/// the edge (src/js/timezone.js) only places wall times in the send's time
/// zone, so stepping and "until means through that day" live here alone.
struct ScheduleWalls {
  std::int64_t at = 0;                ///< `send.at`
  std::int64_t step = 0;              ///< every × unit of the repeat; 0: one occurrence
  std::optional<std::int64_t> until;  ///< the latest wall time of an occurrence (parse_local_until)
};

/// The wall-clock plan of a schedule send ({"type":"schedule","at",
/// "repeat"?}); nullopt when `send` is not a schedule whose `at`, repeat and
/// `until` read (the shape check names what is wrong).
std::optional<ScheduleWalls> read_schedule_walls(const nlohmann::json& send);

/// Up to `count` occurrences of `walls` (at + k·step, k ≥ 0) whose wall time
/// is strictly after `after_wall`, in order; none past `until`.
std::vector<std::int64_t> schedule_occurrences(const ScheduleWalls& walls, std::int64_t after_wall,
                                               std::size_t count);

/// The last occurrence of a repeating schedule at or before `until_ms`, in
/// epoch ms: occurrences are at_ms + k·every·unit for k ≥ 0 (wall-clock
/// days/weeks, so the step is fixed). nullopt when the first is after until.
std::optional<std::int64_t> last_schedule_occurrence(std::int64_t at_ms, std::int64_t until_ms,
                                                     std::int64_t every, TimeUnit unit);

}  // namespace hookcast
