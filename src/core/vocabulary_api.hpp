// The product's words in one answer, from the rules that use them: units of
// each setting, suppression reasons, campaign statuses, actions and send
// types, webhook methods, cohort operators and the limits of the checks. The
// edge and the console read them here (engine.vocabulary()) instead of
// keeping copies; index.d.ts's unions are tested against them.
#pragma once

#include <string>
#include <string_view>

namespace hookcast::api {

/// {"units":{"delay":[...],"repeat":[...],"resend":[...],"capPeriod":[...],
///  "within":[...]},"suppressionReasons":[...],"candidateChecks":[...],
///  "fatigueReasons":["ok",...],
///  "campaignStatuses":[...],"initialStatus":"ready","campaignActions":[...],"sendTypes":[...],
///  "methods":[...],"operators":{"property":[...],"event":[...],"count":[...]},
///  "limits":{"name":N,...}}
std::string vocabulary();

/// What a campaign in `status` with send type `send_type` ("" or "null": no
/// send chosen) allows and does:
/// {"ok":true,"status","sendType":text|null,"transitions":{"start":"running",...},
///  "labelsEditable","contentEditable","acceptsApiSends","triggersOnEvents",
///  "runsSchedules","dispatches","holdsPending","cancelsPending","final",
///  "waitsForResume","mayHaveSent","resendsFailed","retriesDeliveries"} (booleans:
///  CampaignCapabilities in campaign.hpp says what each means),
/// or {"ok":false,"code":"invalid_status"|"invalid_send_type","message"}.
std::string campaign_capabilities(std::string_view status, std::string_view send_type);

}  // namespace hookcast::api
