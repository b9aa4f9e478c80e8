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
//     experiment) in ready or paused only (`campaign_not_editable`). An ended campaign
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

#include "calendar.hpp"
#include "problem.hpp"

namespace hookcast {

/// Where a campaign is in its life.
enum class CampaignStatus { kReady, kRunning, kPaused, kEnded };

/// What a caller asks a campaign to do.
enum class CampaignAction { kStart, kPause, kResume, kEnd };

/// "ready" | "running" | "paused" | "ended"; nullopt for anything else.
std::optional<CampaignStatus> parse_campaign_status(std::string_view name);
/// The name parse_campaign_status() accepts.
std::string_view campaign_status_name(CampaignStatus status);
/// "start" | "pause" | "resume" | "end"; nullopt for anything else.
std::optional<CampaignAction> parse_campaign_action(std::string_view name);

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

// ---- limits of the shape check ------------------------------------------------

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
/// `webhook.headers[0].key`, `fatigue.resend.every`, ...
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
/// occurrence is). Errors only; empty means it may start.
Problems launch_check(const nlohmann::json& campaign, const LaunchOptions& options);

/// The last occurrence of a repeating schedule at or before `until_ms`, in
/// epoch ms: occurrences are at_ms + k·every·unit for k ≥ 0 (wall-clock
/// days/weeks, so the step is fixed). nullopt when the first is after until.
std::optional<std::int64_t> last_schedule_occurrence(std::int64_t at_ms, std::int64_t until_ms,
                                                     std::int64_t every, TimeUnit unit);

}  // namespace hookcast
