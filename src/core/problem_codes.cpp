#include "problem_codes.hpp"

namespace hookcast {
namespace {

constexpr ProblemCodeInfo kCodes[] = {
    // The URL and where it points.
    {"url_required", "The webhook has no URL."},
    {"invalid_url", "The URL is not a valid absolute URL."},
    {"https_required", "The URL must use https:// (http:// only to loopback with local HTTP on)."},
    {"host_required", "The URL has no host."},
    {"invalid_host", "The URL's host is not a valid name or address."},
    {"invalid_port", "The URL's port is not a number from 1 to 65535."},
    {"credentials_in_url", "The URL carries a user name or password."},
    {"private_address",
     "The URL points to a loopback, private, link-local, metadata or other non-public address."},
    {"url_too_long", "The URL is longer than the limit."},
    {"variable_in_host", "A placeholder stands in the URL's scheme or host."},
    {"fragment_ignored", "The URL's #fragment is never sent, so it is dropped."},
    {"credential_in_query",
     "A query parameter looks like a secret; secrets in URLs end up in logs."},
    {"path_traversal", "For this user a URL path segment would be \".\" or \"..\"."},
    // The method.
    {"method_required", "The webhook has no method."},
    {"invalid_method", "The method is not GET, POST, PUT, PATCH or DELETE."},
    {"method_normalized", "The method was read in uppercase."},
    // Query parameters.
    {"too_many_params", "There are more parameters than the limit."},
    {"param_key_required", "A parameter has a value but no name."},
    // Headers.
    {"too_many_headers", "There are more headers than the limit."},
    {"header_name_required", "A header has no name."},
    {"variable_in_header_name", "A header name holds a placeholder."},
    {"invalid_header_name", "A header name has a character an HTTP header name cannot hold."},
    {"content_type_fixed", "Content-Type is always application/json and cannot be set."},
    {"forbidden_header", "The header frames the message and is set by the sender itself."},
    {"duplicate_header", "The same header appears more than once."},
    {"header_value_too_long", "A header value is longer than the limit."},
    {"header_injection", "A header value would hold a line break or NUL."},
    // The body.
    {"body_not_allowed", "A GET request has no body."},
    {"body_too_large", "The body is larger than the limit."},
    {"invalid_json", "The text is not valid JSON."},
    {"invalid_utf8", "The text is not valid UTF-8."},
    // Personalization templates.
    {"unclosed_tag", "A {{ placeholder is never closed."},
    {"unsupported_tag", "A Liquid {% %} tag is used; only {{ }} placeholders are supported."},
    {"empty_tag", "A {{ }} holds no variable."},
    {"invalid_variable", "A variable's name is not written correctly."},
    {"unknown_variable", "A variable is not user.<name> or event.<name>."},
    {"unknown_filter", "A filter other than default: is used."},
    {"invalid_filter_argument", "The default: filter's argument is not a text or number literal."},
    {"too_many_filters", "A variable has more than one filter."},
    {"too_many_placeholders", "The webhook has more placeholders than the limit."},
    {"missing_fallback", "A variable has no fallback for users without a value."},
    {"missing_value", "For this user a variable had no value and no fallback."},
    // Input shapes at the engine's boundary.
    {"invalid_spec", "The webhook is not a JSON object."},
    {"invalid_context", "The context is not an object of the expected shape."},
    {"invalid_type", "A value has the wrong type."},
    {"unknown_field", "A field is not part of the object and is ignored."},
    {"invalid_handle", "The compiled object was released or never existed."},
    {"too_many_webhooks", "Too many compiled webhooks are alive."},
    // Shape checks of campaigns, cohorts and settings.
    {"required", "A required field is missing."},
    {"invalid_value", "A value is not one of the allowed ones."},
    {"out_of_range", "A number is outside its allowed range."},
    {"too_long", "A text is longer than the limit."},
    {"too_many", "A list has more items than the limit."},
    {"too_deep", "Arrays and objects nest deeper than the limit."},
    {"invalid_time", "An event's time is not an ISO 8601 date-time with an offset in 1970..2099."},
    {"invalid_date_time", "A date-time is not written as YYYY-MM-DDTHH:mm[:ss]."},
    {"unknown_time_zone", "A time zone is not a known IANA name."},
    {"schedule_in_past", "The scheduled time has already passed."},
    {"until_before_at", "A repeat ends before its first run."},
    {"period_too_long", "A frequency-capping period is longer than 30 days."},
    {"invalid_target", "A campaign's target is not a cohort or all users."},
    {"invalid_signing_secret", "A signing secret is not a whsec_ base64 secret."},
    {"invalid_status", "A campaign status is not a known one."},
    {"invalid_send_type", "A send type is not schedule, event or api."},
    {"invalid_action", "A campaign action is not start, pause, resume or end."},
    {"invalid_fields", "The list of edited fields is not a list of names."},
    {"invalid_transition", "The campaign cannot make that status change."},
    {"campaign_not_editable", "The campaign's content cannot change in its status."},
    {"invalid_rule", "A cohort rule is not a condition or a group."},
    {"unknown_operator", "A cohort condition's operator is not a known one."},
    {"unknown_unit", "A time unit is not a known one."},
    {"empty_group", "A cohort group (all/any) has no rules."},
    {"rule_too_deep", "A cohort rule nests deeper than the limit."},
    {"rule_too_large", "A cohort rule has more conditions than the limit."},
    {"invalid_members", "The members to match are not a list of users."},
    {"invalid_now", "The time given as now is not a number of milliseconds."},
    {"too_many_cohorts", "Too many compiled cohorts are alive."},
    // Users and events (audience_input.hpp).
    {"empty", "An id or list is empty."},
    {"invalid_text", "A text holds an unpaired UTF-16 surrogate, which cannot be stored as UTF-8."},
    {"invalid_id", "A user id is \".\" or \"..\", which no URL path can name."},
    {"invalid_property_name", "A property name is empty, unstorable or too long."},
    {"too_many_properties", "A user or event has more properties than the limit."},
    {"properties_too_large", "A user's or event's properties are larger than the limit as JSON."},
};

}  // namespace

const ProblemCodeInfo* problem_codes(std::size_t& count) {
  count = sizeof(kCodes) / sizeof(kCodes[0]);
  return kCodes;
}

bool is_problem_code(std::string_view code) {
  for (const ProblemCodeInfo& info : kCodes)
    if (info.code == code) return true;
  return false;
}

}  // namespace hookcast
