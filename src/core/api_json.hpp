// JSON glue shared by the api*.cpp files (the coarse JSON-in/JSON-out
// surface): reading specs, options and requests with a located problem for
// every wrong type (nlohmann, at the edge), and writing problems and
// results. Nothing here is a hookcast rule; the rules are the core's.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "json_text.hpp"
#include "preview.hpp"
#include "problem.hpp"
#include "request.hpp"
#include "webhook.hpp"

namespace hookcast::api {

// ---- writing -------------------------------------------------------------------

/// Appends {"field","code","message","severity"} (and "variable":{"source",
/// "name","display"} when the problem has one) to `out` (std::string or Buffer).
template <typename Out>
void append_problem(Out& out, const Problem& p) {
  out.append("{\"field\":");
  append_json_string(out, p.field);
  out.append(",\"code\":");
  append_json_string(out, p.code);
  out.append(",\"message\":");
  append_json_string(out, p.message);
  out.append(p.severity == Severity::kError ? ",\"severity\":\"error\""
                                            : ",\"severity\":\"warning\"");
  if (p.variable) {
    out.append(",\"variable\":{\"source\":");
    append_json_string(out, p.variable->source);
    out.append(",\"name\":");
    append_json_string(out, p.variable->name);
    out.append(",\"display\":");
    append_json_string(out, p.variable->display);
    out.push_back('}');
  }
  out.push_back('}');
}

/// Appends a JSON array of problems.
template <typename Out>
void append_problems(Out& out, const Problems& problems) {
  out.push_back('[');
  for (std::size_t i = 0; i < problems.size(); ++i) {
    if (i) out.push_back(',');
    append_problem(out, problems[i]);
  }
  out.push_back(']');
}

/// {"ok":<no error among them>,"problems":[...]}: a check's answer.
std::string checked(const Problems& problems);

/// {"ok":false,"problems":[...]}
std::string failure(const Problems& problems);

/// {"ok":false,"problems":[one error]}
std::string failure(std::string field, const char* code, std::string message);

/// Appends a request as {"method","url","headers":[[name,value],...],"body":text|null}.
void append_request(std::string& out, const HttpRequest& request);

/// Appends table rows as [{"section","key","value"},...].
void append_table(std::string& out, const std::vector<TableRow>& rows);

// ---- reading -------------------------------------------------------------------

/// `invalid_type` at `field`: "<field> must be <expected>, not <what it is>."
void type_problem(Problems& problems, const std::string& field, const char* expected,
                  const nlohmann::json& got);

/// Reads {"allowLocalHttp":bool} ("" means defaults). False (with an
/// `invalid_type` problem) when the text is not such an object.
bool decode_options(std::string_view text, Options& options, Problems& problems);

/// Decodes a spec. Returns false when there is nothing to compile (not JSON,
/// not an object: `invalid_spec`). `bad_fields` names fields whose type was
/// wrong, so the compile problems they would cause are not reported twice.
bool decode_spec(std::string_view text, WebhookSpec& spec, Problems& problems,
                 std::vector<std::string>& bad_fields);

/// Decodes spec and options, checks the spec and, when `out` is given and
/// nothing is wrong, compiles it into `out`. Returns every problem (decode
/// problems first, then the compiler's, warnings included).
Problems check_spec(std::string_view spec_json, std::string_view options_json,
                    CompiledWebhook* out);

/// Decodes a request {method, url, headers: [[k, v]...], body}; false with
/// problems when a member has the wrong type.
bool decode_request(std::string_view text, HttpRequest& request, Problems& problems);

}  // namespace hookcast::api
