// The JSON-in/JSON-out surface of cohort rules that the wasm bindings expose
// one to one (the cohort part of api.hpp, in its own file). Every function
// returns a value; nothing throws across the boundary.
//
//   rule     a cohort rule (see cohort.hpp), as JSON text
//   member   {"id"?, "properties"?: {...}, "events"?: [{"key", "at"?, "properties"?}...]}
//            where `at` is milliseconds since the epoch (or ISO 8601 text)
//   problem  {"field","code","message","severity":"error"|"warning"}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hookcast::api {

/// {"ok":bool,"problems":[problem...]}: ok when no problem is an error.
/// Fields are paths from "rule" ("rule.all[1].op").
std::string validate_cohort(std::string_view rule_json);

/// {"ok":true,"handle":N,"warnings":[problem...]} or {"ok":false,"problems":[...]}.
/// A handle lives until release_cohort(handle); a released handle stays
/// invalid (its slot may be reused under a new generation).
std::string compile_cohort(std::string_view rule_json);

/// {"ok":true,"properties":bool,"events":[{"key":string,"sinceMs":N|null,"properties":bool}...]}
/// (CompiledCohort::needs), or {"ok":false,"problems":[...]} for an unknown
/// handle ("handle", invalid_handle) or a now that is not a finite time
/// within ±8.64e15 ("nowMs", invalid_now). A fractional now is floored.
std::string cohort_needs(std::uint32_t handle, double now_ms);

/// The shard's hot path: members_json is a JSON array of members; the answer
/// holds one byte per member, in order: '1' in the cohort, '0' not, '?' the
/// member does not have a member's shape where the rule reads it. When the
/// whole call fails (unknown handle, bad now, members not a JSON array) the
/// answer is instead a {"ok":false,"problems":[...]} JSON text (it starts
/// with '{', which no per-member answer does). The view points into a buffer
/// reused by the next call on this thread.
std::string_view cohort_match_batch(std::uint32_t handle, std::string_view members_json,
                                    double now_ms);

/// The first phase of a two-phase evaluation (CompiledCohort::triage): as
/// cohort_match_batch, but each member is decided from its id and
/// properties alone: '1' in whatever its events, '0' out whatever its
/// events, 'e' its events decide (evaluate it in full with them, e.g.
/// through cohort_match_batch), '?' its shape is wrong. Events are not read.
std::string_view cohort_triage_batch(std::uint32_t handle, std::string_view members_json,
                                     double now_ms);

/// Frees a compiled cohort; unknown or already released handles are ignored.
void release_cohort(std::uint32_t handle);

/// Number of live compiled cohorts (lets tests prove the finalizer frees them).
std::uint32_t live_cohorts();

/// {"property":[...],"event":["did","did_not"],"count":["gte","lte","eq"],
///  "units":["minutes","hours","days","weeks","months"]}: the rule
/// language's operator lists, for a rule builder.
std::string cohort_operators();

}  // namespace hookcast::api
