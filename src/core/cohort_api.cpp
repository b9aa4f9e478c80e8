#include "cohort_api.hpp"

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api_json.hpp"
#include "buffer.hpp"
#include "calendar.hpp"
#include "cohort.hpp"
#include "handle_registry.hpp"
#include "json_text.hpp"
#include "problem.hpp"

namespace hookcast::api {
namespace {

// The compiled cohorts handed out by handle.
HandleRegistry<CompiledCohort>& registry() {
  static HandleRegistry<CompiledCohort> r;
  return r;
}

// Reused by every batch (the wasm module is single-threaded; natively each
// thread has its own).
struct Buffers {
  JsonDoc doc;
  CohortScratch scratch;
  Buffer out;
};

Buffers& buffers() {
  thread_local Buffers b;
  return b;
}

// Checks the handle and now; on failure returns the failure JSON.
std::string check_call(std::uint32_t handle, double now_ms, const CompiledCohort*& cohort,
                       std::int64_t& now) {
  cohort = registry().get(handle);
  if (!cohort) {
    return failure("handle", "invalid_handle",
                   "This compiled cohort was released or never existed; compile it again.");
  }
  if (!std::isfinite(now_ms) || std::fabs(now_ms) > static_cast<double>(kMaxTimeMs)) {
    return failure("nowMs", "invalid_now",
                   "nowMs must be a finite number of milliseconds since the epoch.");
  }
  now = static_cast<std::int64_t>(std::floor(now_ms));
  return std::string();
}

}  // namespace

std::string validate_cohort(std::string_view rule_json) {
  return checked(hookcast::compile_cohort(rule_json, nullptr));
}

std::string compile_cohort(std::string_view rule_json) {
  auto cohort = std::make_unique<CompiledCohort>();
  const Problems problems = hookcast::compile_cohort(rule_json, cohort.get());
  if (has_error(problems)) return failure(problems);
  const std::uint32_t handle = registry().add(std::move(cohort));
  if (!handle) {
    return failure("rule", "too_many_cohorts",
                   "Too many compiled cohorts are alive; release some first.");
  }
  std::string out = "{\"ok\":true,\"handle\":" + std::to_string(handle) + ",\"warnings\":";
  append_problems(out, problems);
  out.push_back('}');
  return out;
}

std::string cohort_needs(std::uint32_t handle, double now_ms) {
  const CompiledCohort* cohort = nullptr;
  std::int64_t now = 0;
  std::string failed = check_call(handle, now_ms, cohort, now);
  if (!failed.empty()) return failed;
  const CohortNeeds needs = cohort->needs(now);
  std::string out = needs.properties ? "{\"ok\":true,\"properties\":true,\"events\":["
                                     : "{\"ok\":true,\"properties\":false,\"events\":[";
  for (std::size_t i = 0; i < needs.events.size(); ++i) {
    out.append(i ? ",{\"key\":" : "{\"key\":");
    append_json_string(out, needs.events[i].key);
    out.append(",\"sinceMs\":");
    out.append(needs.events[i].since_ms ? std::to_string(*needs.events[i].since_ms) : "null");
    out.append(needs.events[i].properties ? ",\"properties\":true}" : ",\"properties\":false}");
  }
  out.append("]}");
  return out;
}

namespace {

// One byte per member of the JSON array `members_json`: CompiledCohort's
// evaluate() (`triage` false) or triage(); or a call failure's JSON.
std::string_view answer_batch(std::uint32_t handle, std::string_view members_json, double now_ms,
                              bool triage) {
  Buffers& b = buffers();
  b.out.clear();
  const CompiledCohort* cohort = nullptr;
  std::int64_t now = 0;
  std::string failed = check_call(handle, now_ms, cohort, now);
  if (failed.empty()) {
    JsonError error;
    if (!b.doc.parse(members_json, &error)) {
      failed = failure("members", "invalid_members",
                       "The members are not valid JSON at byte " + std::to_string(error.offset) +
                           ": " + error.reason + ".");
    } else if (b.doc.node(0).type != JsonType::kArray) {
      failed = failure("members", "invalid_members", "The members must be a JSON array.");
    }
  }
  if (!failed.empty()) {
    b.out.append(failed);
    return b.out.view();
  }
  const JsonDoc& doc = b.doc;
  char* answer = b.out.tail(doc.node(0).count);
  std::size_t n = 0;
  const std::uint32_t end = doc.node(0).next;
  for (std::uint32_t i = 1; i < end; i = doc.node(i).next) {
    answer[n++] = static_cast<char>(triage ? cohort->triage(doc, i, now, b.scratch)
                                           : cohort->evaluate(doc, i, now, b.scratch));
  }
  b.out.commit(n);
  return b.out.view();
}

}  // namespace

std::string_view cohort_match_batch(std::uint32_t handle, std::string_view members_json,
                                    double now_ms) {
  return answer_batch(handle, members_json, now_ms, false);
}

std::string_view cohort_triage_batch(std::uint32_t handle, std::string_view members_json,
                                     double now_ms) {
  return answer_batch(handle, members_json, now_ms, true);
}

void release_cohort(std::uint32_t handle) { registry().remove(handle); }

std::uint32_t live_cohorts() { return registry().live(); }

std::string cohort_operators() {
  std::string out = "{\"property\":[";
  bool first = true;
  for (PropertyOp op : kPropertyOps) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, property_op_name(op));
  }
  out.append("],\"event\":[");
  first = true;
  for (std::string_view name : kEventOpNames) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, name);
  }
  out.append("],\"count\":[");
  first = true;
  for (CountOp op : kCountOps) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, count_op_name(op));
  }
  out.append("],\"units\":[");
  first = true;
  for (TimeUnit unit : kTimeUnits) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, time_unit_name(unit));
  }
  out.append("]}");
  return out;
}

}  // namespace hookcast::api
