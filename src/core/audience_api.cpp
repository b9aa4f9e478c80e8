#include "audience_api.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include "api_json.hpp"
#include "audience_input.hpp"
#include "json_text.hpp"

namespace hookcast::api {
namespace {

// Parses `text` into `doc`; false with the answer in `out` when it is not JSON.
bool parsed(JsonDoc& doc, std::string_view text, const char* field, std::string& out) {
  JsonError error;
  if (doc.parse(text, &error)) return true;
  out = failure(field, "invalid_json",
                std::string("The ") + field + " is not valid JSON: " + error.reason + ".");
  return false;
}

}  // namespace

std::string check_users(std::string_view body_json) {
  JsonDoc doc;
  std::string out;
  if (!parsed(doc, body_json, "body", out)) return out;
  return checked(hookcast::check_users(doc));
}

std::string check_events(std::string_view body_json) {
  JsonDoc doc;
  std::string out;
  if (!parsed(doc, body_json, "body", out)) return out;
  std::vector<std::int64_t> at;
  const Problems problems = hookcast::check_events(doc, at);
  if (!problems.empty()) return failure(problems);
  out = "{\"ok\":true,\"problems\":[],\"at\":[";
  for (std::size_t i = 0; i < at.size(); ++i) {
    if (i) out.push_back(',');
    out += at[i] < 0 ? std::string("null") : std::to_string(at[i]);
  }
  out += "]}";
  return out;
}

std::string check_api_send(std::string_view body_json) {
  JsonDoc doc;
  std::string out;
  if (!parsed(doc, body_json, "body", out)) return out;
  return checked(hookcast::check_api_send(doc));
}

std::string check_input(std::string_view kind, std::string_view value_json,
                        std::string_view field_name) {
  const std::string field(field_name);
  JsonDoc doc;
  std::string out;
  const bool absent = value_json.empty();
  if (!absent && !parsed(doc, value_json, "value", out)) return out;
  const std::uint32_t value = absent ? JsonDoc::kNone : 0;
  Problems problems;
  if (kind == "userId") {
    check_id(doc, value, IdKind::kUserId, field, problems);
  } else if (kind == "eventKey") {
    check_id(doc, value, IdKind::kEventKey, field, problems);
  } else if (kind == "cohortName") {
    check_id(doc, value, IdKind::kCohortName, field, problems);
  } else if (kind == "properties") {
    check_properties(doc, value, field, problems);
  } else {
    return failure("kind", "invalid_value",
                   "kind must be \"userId\", \"eventKey\", \"cohortName\" or \"properties\".");
  }
  return checked(problems);
}

}  // namespace hookcast::api
