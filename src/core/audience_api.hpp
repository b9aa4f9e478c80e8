// The JSON-in/JSON-out surface of the user and event input checks
// (audience_input.hpp), which the wasm bindings expose one to one. Texts are
// JSON as JavaScript's JSON.stringify writes it; nothing throws.
#pragma once

#include <string>
#include <string_view>

namespace hookcast::api {

/// {"ok":bool,"problems":[problem...]} for a POST /v1/users body.
std::string check_users(std::string_view body_json);

/// {"ok":true,"problems":[],"at":[ms|null,...]} (one time per event, null
/// when it has none) or {"ok":false,"problems":[...]} for a POST /v1/events body.
std::string check_events(std::string_view body_json);

/// {"ok":bool,"problems":[...]} for a POST /v1/campaigns/:key/send body.
std::string check_api_send(std::string_view body_json);

/// {"ok":bool,"problems":[...]} for one value at `field`: `kind` "userId",
/// "eventKey", "cohortName" (an id) or "properties"; an empty `value_json`
/// means the value is absent. An unknown kind is the problem
/// "kind"/"invalid_value".
std::string check_input(std::string_view kind, std::string_view value_json, std::string_view field);

}  // namespace hookcast::api
