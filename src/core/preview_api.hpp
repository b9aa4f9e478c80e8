// Coarse JSON entries that spare the worker and the dashboard from
// combining fine ones in JavaScript (and so from re-stating a rule there):
// a whole preview in one call, the destination check alone, the method list
// and the problem-code registry. Same conventions as api.hpp: UTF-8 JSON in
// and out, nothing thrown.
#pragma once

#include <string>
#include <string_view>

namespace hookcast::api {

/// Everything a preview shows, in one call:
/// {"ok":bool,"problems":[problem...],"request":request|null,"curl":text|null,
///  "table":[{"section","key","value"}...]|null}.
/// `problems` holds the spec's problems (warnings kept) and, when the spec
/// has no error, this context's render problems after them (each problem
/// once). `ok` is false when either has an error; request, curl and table
/// are then null.
std::string preview(std::string_view spec_json, std::string_view context_json,
                    std::string_view options_json);

/// The destination rule alone, for a URL already rendered (e.g. before a
/// retry): {"ok":bool,"problems":[problem...]}, problems on field "url"
/// (https_required, private_address, invalid_host, url_too_long, ...).
std::string check_destination(std::string_view url, bool allow_local_http);

/// The methods a webhook may use: ["GET","POST","PUT","PATCH","DELETE"].
std::string methods();

/// The problem-code registry: [{"code","summary"}...] (problem_codes.hpp).
std::string problem_codes();

}  // namespace hookcast::api
