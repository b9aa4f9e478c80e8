// Embind surface of hookcast: one JS function per hookcast::api function,
// plain strings in and out. No class_, so nothing for users to .delete().
// The api functions never throw, which matters here: an exception crossing
// the wasm/JS boundary leaks wasm stack on every call.
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "api.hpp"
#include "buffer.hpp"
#include "preview_api.hpp"

namespace {

// Embind does not marshal std::string_view, so these wrappers only adapt
// the parameter types; all the logic lives in api.cpp.

std::string validate(const std::string& spec, const std::string& options) {
  return hookcast::api::validate(spec, options);
}

std::string variables(const std::string& spec) { return hookcast::api::variables(spec); }

std::string compile(const std::string& spec, const std::string& options) {
  return hookcast::api::compile(spec, options);
}

void release(std::uint32_t handle) { hookcast::api::release(handle); }

std::uint32_t live_handles() { return hookcast::api::live_handles(); }

std::string to_curl(const std::string& request) { return hookcast::api::to_curl(request); }

std::string to_table(const std::string& request) { return hookcast::api::to_table(request); }

std::string retry_decision(const std::string& outcome, int attempt, double now_ms,
                           const std::string& options) {
  return hookcast::api::retry_decision(outcome, attempt, now_ms, options);
}

// ---- coarse entries (preview_api.hpp) -------------------------------------------

std::string preview(const std::string& spec, const std::string& context,
                    const std::string& options) {
  return hookcast::api::preview(spec, context, options);
}

std::string methods() { return hookcast::api::methods(); }

std::string problem_codes() { return hookcast::api::problem_codes(); }

// ---- the compiled fast path: bytes in wasm memory, no Embind strings --------
//
// Embind copies a std::string argument through a malloc'd temporary and reads
// a returned one byte by byte in JavaScript; for a render that costs more than
// the render itself. These entry points let the JS side encode the context
// JSON straight into `input` (TextEncoder.encodeInto) and decode the packed
// answer with one TextDecoder call over wasm memory.

hookcast::Buffer& input() {
  static hookcast::Buffer buffer;
  return buffer;
}

std::uint32_t output_length = 0;
const char* last_text = "";

const char* answer(std::string_view out) {
  output_length = static_cast<std::uint32_t>(out.size());
  return out.data();
}

}  // namespace

extern "C" {

/// Room for `size` bytes of input; returns where to write them. May grow
/// wasm memory, so the caller takes a fresh view of it afterwards.
EMSCRIPTEN_KEEPALIVE char* hc_input(std::uint32_t size) {
  hookcast::Buffer& in = input();
  in.clear();
  return in.tail(size);
}

/// Renders the `length` bytes of context JSON in the input buffer for
/// `handle`; returns the packed answer (api::render_compiled_packed), whose
/// length hc_output_length() gives. Valid until the next render.
EMSCRIPTEN_KEEPALIVE const char* hc_render_packed(std::uint32_t handle, std::uint32_t length) {
  return answer(
      hookcast::api::render_compiled_packed(handle, std::string_view(input().data(), length)));
}

/// hc_render_packed for a JSON array of contexts (api::render_batch_packed).
EMSCRIPTEN_KEEPALIVE const char* hc_render_batch_packed(std::uint32_t handle,
                                                        std::uint32_t length) {
  return answer(
      hookcast::api::render_batch_packed(handle, std::string_view(input().data(), length)));
}

/// The destination check of the `length` bytes of URL in the input buffer
/// (api::check_destination). Returns 0 when the URL may be contacted, else 1
/// with the {"ok":false,"problems":[...]} answer at hc_output_text() (length
/// hc_output_length()): a retry's check costs no string marshalling when it
/// passes, which is nearly always.
EMSCRIPTEN_KEEPALIVE int hc_check_destination(std::uint32_t length, int allow_local_http) {
  static std::string answer_text;
  answer_text = hookcast::api::check_destination(std::string_view(input().data(), length),
                                                 allow_local_http != 0);
  if (answer_text.compare(0, 10, "{\"ok\":true") == 0) return 0;
  answer(answer_text);
  last_text = answer_text.data();
  return 1;
}

/// A one-off render (api::render_once_packed) of the spec JSON (`spec_length`
/// bytes), then the context JSON (`context_length` bytes), then the options
/// JSON (`options_length` bytes), written one after the other in the input
/// buffer. The answer's length is hc_output_length().
EMSCRIPTEN_KEEPALIVE const char* hc_render_once(std::uint32_t spec_length,
                                                std::uint32_t context_length,
                                                std::uint32_t options_length) {
  const char* in = input().data();
  return answer(hookcast::api::render_once_packed(
      std::string_view(in, spec_length), std::string_view(in + spec_length, context_length),
      std::string_view(in + spec_length + context_length, options_length)));
}

/// api::fallback_counts of the JSON array of contexts in the input buffer
/// (`length` bytes) for `handle`; the answer's length is hc_output_length().
EMSCRIPTEN_KEEPALIVE const char* hc_fallback_counts(std::uint32_t handle, std::uint32_t length) {
  return answer(hookcast::api::fallback_counts(handle, std::string_view(input().data(), length)));
}

/// Where the last hc_check_destination refusal is.
EMSCRIPTEN_KEEPALIVE const char* hc_output_text() { return last_text; }

/// Length in bytes of the last answer.
EMSCRIPTEN_KEEPALIVE std::uint32_t hc_output_length() { return output_length; }
}

EMSCRIPTEN_BINDINGS(hookcast_coarse) {
  emscripten::function("preview", &preview);
  emscripten::function("methods", &methods);
  emscripten::function("problem_codes", &problem_codes);
}

EMSCRIPTEN_BINDINGS(hookcast) {
  emscripten::function("validate", &validate);
  emscripten::function("variables", &variables);
  emscripten::function("compile", &compile);
  emscripten::function("release", &release);
  emscripten::function("live_handles", &live_handles);
  emscripten::function("to_curl", &to_curl);
  emscripten::function("to_table", &to_table);
  emscripten::function("retry_decision", &retry_decision);
}

// ---- campaigns and fatigue (campaign_api.hpp) -------------------------------------

#include "campaign_api.hpp"

namespace {

std::string campaign_transition(const std::string& status, const std::string& action) {
  return hookcast::api::campaign_transition(status, action);
}

std::string campaign_editable(const std::string& status, const std::string& fields) {
  return hookcast::api::campaign_editable(status, fields);
}

std::string check_campaign(const std::string& body, bool partial) {
  return hookcast::api::check_campaign(body, partial);
}

std::string launch_check(const std::string& campaign, const std::string& options) {
  return hookcast::api::launch_check(campaign, options);
}

std::string check_frequency_capping(const std::string& settings) {
  return hookcast::api::check_frequency_capping(settings);
}

std::string add_period(double ms, double n, const std::string& unit) {
  return hookcast::api::add_period(ms, n, unit);
}

std::string schedule_occurrences(const std::string& send, double after_wall_ms, double count) {
  return hookcast::api::schedule_occurrences(send, after_wall_ms, count);
}

double local_wall_ms(const std::string& text) { return hookcast::api::local_wall_ms(text); }

std::string event_time(const std::string& text, const std::string& field) {
  return hookcast::api::event_time(text, field);
}

std::string fatigue_reason_letters() { return hookcast::api::fatigue_reason_letters(); }

}  // namespace

extern "C" {

/// fatigue_batch_packed over the input buffer (hc_input): `doubles` float64
/// values first (the buffer is 8-byte aligned), then the policy's JSON
/// (`policy_length` bytes), then the campaign keys' JSON (`keys_length`).
/// Interning the keys and packing the times is far cheaper in JavaScript
/// than JSON.stringify of every {campaign, at}. Returns the answer's
/// bytes; hc_output_length() gives their length.
EMSCRIPTEN_KEEPALIVE const char* hc_fatigue_packed(std::uint32_t doubles,
                                                   std::uint32_t policy_length,
                                                   std::uint32_t keys_length, double send_at_ms) {
  static std::string out;
  const char* base = input().data();
  const std::string_view policy(base + doubles * 8, policy_length);
  const std::string_view keys(base + doubles * 8 + policy_length, keys_length);
  out = hookcast::api::fatigue_batch_packed(policy, keys, reinterpret_cast<const double*>(base),
                                            doubles, send_at_ms);
  return answer(out);
}
}

EMSCRIPTEN_BINDINGS(hookcast_campaign) {
  emscripten::function("campaign_transition", &campaign_transition);
  emscripten::function("campaign_editable", &campaign_editable);
  emscripten::function("check_campaign", &check_campaign);
  emscripten::function("launch_check", &launch_check);
  emscripten::function("check_frequency_capping", &check_frequency_capping);
  emscripten::function("add_period", &add_period);
  emscripten::function("schedule_occurrences", &schedule_occurrences);
  emscripten::function("local_wall_ms", &local_wall_ms);
  emscripten::function("event_time", &event_time);
  emscripten::function("fatigue_reason_letters", &fatigue_reason_letters);
}

// ---- cohorts (cohort_api.hpp) ---------------------------------------------------
//
// Rules cross as JSON strings through Embind; the batch of members takes the
// same fast path as renders: the JS side encodes the members' JSON straight
// into `input()` and reads the one-byte-per-member answer out of wasm memory.

#include "cohort_api.hpp"

namespace {

std::string validate_cohort(const std::string& rule) {
  return hookcast::api::validate_cohort(rule);
}

std::string compile_cohort(const std::string& rule) { return hookcast::api::compile_cohort(rule); }

std::string cohort_needs(std::uint32_t handle, double now_ms) {
  return hookcast::api::cohort_needs(handle, now_ms);
}

void release_cohort(std::uint32_t handle) { hookcast::api::release_cohort(handle); }

std::uint32_t live_cohorts() { return hookcast::api::live_cohorts(); }

std::string cohort_operators() { return hookcast::api::cohort_operators(); }

}  // namespace

extern "C" {

/// Evaluates the compiled cohort `handle` for the JSON array of members in
/// the input buffer (`length` bytes) at `now_ms`; returns the answer of
/// api::cohort_match_batch ('0'/'1'/'?' per member, or a failure's JSON),
/// whose length hc_output_length() gives. Valid until the next call.
EMSCRIPTEN_KEEPALIVE const char* hc_cohort_match_batch(std::uint32_t handle, std::uint32_t length,
                                                       double now_ms) {
  return answer(
      hookcast::api::cohort_match_batch(handle, std::string_view(input().data(), length), now_ms));
}

/// As hc_cohort_match_batch, with api::cohort_triage_batch's answer
/// ('0'/'1'/'e'/'?' per member: decided from properties alone, or not).
EMSCRIPTEN_KEEPALIVE const char* hc_cohort_triage_batch(std::uint32_t handle, std::uint32_t length,
                                                        double now_ms) {
  return answer(
      hookcast::api::cohort_triage_batch(handle, std::string_view(input().data(), length), now_ms));
}
}

EMSCRIPTEN_BINDINGS(hookcast_cohort) {
  emscripten::function("validate_cohort", &validate_cohort);
  emscripten::function("compile_cohort", &compile_cohort);
  emscripten::function("cohort_needs", &cohort_needs);
  emscripten::function("release_cohort", &release_cohort);
  emscripten::function("live_cohorts", &live_cohorts);
  emscripten::function("cohort_operators", &cohort_operators);
}

// ---- user and event input checks (audience_api.hpp) -----------------------------

#include "audience_api.hpp"

extern "C" {

/// api::check_users of the `length` bytes of body JSON in the input buffer;
/// the answer's length is hc_output_length(). Valid until the next call.
EMSCRIPTEN_KEEPALIVE const char* hc_check_users(std::uint32_t length) {
  static std::string out;
  out = hookcast::api::check_users(std::string_view(input().data(), length));
  return answer(out);
}

/// api::check_api_send, as hc_check_users.
EMSCRIPTEN_KEEPALIVE const char* hc_check_api_send(std::uint32_t length) {
  static std::string out;
  out = hookcast::api::check_api_send(std::string_view(input().data(), length));
  return answer(out);
}

/// api::check_events, as hc_check_users.
EMSCRIPTEN_KEEPALIVE const char* hc_check_events(std::uint32_t length) {
  static std::string out;
  out = hookcast::api::check_events(std::string_view(input().data(), length));
  return answer(out);
}
}

namespace {

std::string check_input(const std::string& kind, const std::string& value,
                        const std::string& field) {
  return hookcast::api::check_input(kind, value, field);
}

}  // namespace

EMSCRIPTEN_BINDINGS(hookcast_audience) { emscripten::function("check_input", &check_input); }

// ---- vocabularies and status capabilities (vocabulary_api.hpp) ------------------

#include "vocabulary_api.hpp"

namespace {

std::string vocabulary() { return hookcast::api::vocabulary(); }

std::string campaign_capabilities(const std::string& status, const std::string& send_type) {
  return hookcast::api::campaign_capabilities(status, send_type);
}

}  // namespace

EMSCRIPTEN_BINDINGS(hookcast_vocabulary) {
  emscripten::function("vocabulary", &vocabulary);
  emscripten::function("campaign_capabilities", &campaign_capabilities);
}

// ---- experiments (experiment_api.hpp) --------------------------------------------
//
// Coarse calls: one assigns a whole chunk of candidates to their groups.

#include "experiment_api.hpp"

namespace {

std::string control_groups(const std::string& campaign_key, const std::string& user_ids,
                           double control_percent) {
  return hookcast::api::control_groups(campaign_key, user_ids, control_percent);
}

std::string converts_within(double send_start_ms, double event_at_ms, const std::string& within) {
  return hookcast::api::converts_within(send_start_ms, event_at_ms, within);
}

std::string compare_groups(double sent_users, double sent_converted, double control_users,
                           double control_converted) {
  return hookcast::api::compare_groups(sent_users, sent_converted, control_users,
                                       control_converted);
}

}  // namespace

EMSCRIPTEN_BINDINGS(hookcast_experiment) {
  emscripten::function("control_groups", &control_groups);
  emscripten::function("converts_within", &converts_within);
  emscripten::function("compare_groups", &compare_groups);
}
