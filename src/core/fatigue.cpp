#include "fatigue.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <deque>

#include "json_text.hpp"

namespace hookcast {
namespace {

// Epoch ms from a JSON number's text: whole numbers directly (ledger times
// are), anything else through strtod.
bool number_ms(std::string_view raw, std::int64_t& out) {
  const bool negative = !raw.empty() && raw[0] == '-';
  const std::size_t start = negative ? 1 : 0;
  if (raw.size() > start && raw.size() - start <= 16) {
    std::int64_t v = 0;
    bool digits = true;
    for (std::size_t i = start; i < raw.size() && digits; ++i) {
      digits = raw[i] >= '0' && raw[i] <= '9';
      v = v * 10 + (raw[i] - '0');
    }
    if (digits) {
      out = negative ? -v : v;
      return out <= kMaxTimeMs && out >= -kMaxTimeMs;
    }
  }
  const std::string text(raw);
  char* end = nullptr;
  const double d = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && epoch_ms(d, out);
}

std::string ledger_field(std::size_t candidate, std::size_t entry) {
  return "ledgers[" + std::to_string(candidate) + "][" + std::to_string(entry) + "]";
}

Problem bad(std::string field, const char* message, const char* code = "invalid_type") {
  return Problem{std::move(field), code, message, Severity::kError};
}

// Reused by every batch (the wasm module is single-threaded; natively each
// thread gets its own).
struct BatchScratch {
  JsonDoc doc;
  std::vector<LedgerEntry> entries;
  std::deque<std::string> decoded;  // campaign keys that held escapes (stable addresses)
  Buffer text;
};

BatchScratch& scratch() {
  thread_local BatchScratch s;
  return s;
}

constexpr const char* kNotAList = "Each ledger must be a list of sends {campaign, at}.";
constexpr const char* kNotASend = "A send must be an object {campaign, at}.";
constexpr const char* kNotAKey = "A send's campaign must be the campaign's key, a text.";
constexpr const char* kNotATime = "A send's at must be a time in milliseconds since the epoch.";
constexpr const char* kNotAFlag = "A send's control must be true or false.";
constexpr const char* kMalformed = "The packed ledgers are malformed.";

}  // namespace

bool epoch_ms(double value, std::int64_t& out) {
  if (!std::isfinite(value) || std::fabs(value) > static_cast<double>(kMaxTimeMs)) return false;
  out = static_cast<std::int64_t>(std::floor(value));
  return true;
}

std::string_view fatigue_reason_name(FatigueReason reason) {
  switch (reason) {
    case FatigueReason::kOk:
      return "ok";
    case FatigueReason::kAlreadySent:
      return "already_sent";
    case FatigueReason::kResendPeriod:
      return "resend_period";
    case FatigueReason::kFrequencyCap:
      break;
  }
  return "frequency_cap";
}

FatigueReason fatigue_decision(const FatiguePolicy& policy, const LedgerEntry* entries,
                               std::size_t count, std::int64_t send_at_ms) {
  bool sent_before = false;
  std::int64_t last = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (entries[i].campaign != policy.campaign) continue;
    last = sent_before ? std::max(last, entries[i].at) : entries[i].at;
    sent_before = true;
  }
  if (sent_before) {
    if (!policy.resend) return FatigueReason::kAlreadySent;
    if (send_at_ms < add_period(last, policy.resend->every, policy.resend->unit))
      return FatigueReason::kResendPeriod;
  }
  if (!policy.frequency_capping) return FatigueReason::kOk;
  for (const CapRule& rule : policy.rules) {
    // The window (send_at − period, send_at]: see fatigue.hpp.
    const std::int64_t after = send_at_ms - rule.window_ms;
    std::int64_t in_window = 0;
    for (std::size_t i = 0; i < count; ++i)
      in_window += !entries[i].control && entries[i].at > after && entries[i].at <= send_at_ms;
    if (in_window >= rule.limit) return FatigueReason::kFrequencyCap;
  }
  return FatigueReason::kOk;
}

std::optional<Problem> fatigue_batch_json(const FatiguePolicy& policy,
                                          std::string_view ledgers_json, std::int64_t send_at_ms,
                                          std::string& letters) {
  BatchScratch& s = scratch();
  JsonError error;
  if (!s.doc.parse(ledgers_json, &error)) {
    return Problem{"ledgers", "invalid_json",
                   "The ledgers are not valid JSON at byte " + std::to_string(error.offset) + ": " +
                       error.reason + ".",
                   Severity::kError};
  }
  const JsonDoc& doc = s.doc;
  if (doc.node(0).type != JsonType::kArray)
    return bad("ledgers", "The ledgers must be a list, one ledger per candidate.");
  letters.reserve(letters.size() + doc.node(0).count);
  std::size_t candidate = 0;
  for (std::uint32_t l = 1; l < doc.node(0).next; l = doc.node(l).next, ++candidate) {
    if (doc.node(l).type != JsonType::kArray)
      return bad("ledgers[" + std::to_string(candidate) + "]", kNotAList);
    s.entries.clear();
    s.decoded.clear();
    std::size_t entry = 0;
    for (std::uint32_t e = l + 1; e < doc.node(l).next; e = doc.node(e).next, ++entry) {
      if (doc.node(e).type != JsonType::kObject)
        return bad(ledger_field(candidate, entry), kNotASend);
      const std::uint32_t campaign = doc.find(e, "campaign");
      const std::uint32_t at = doc.find(e, "at");
      if (campaign == JsonDoc::kNone || doc.node(campaign).type != JsonType::kString)
        return bad(ledger_field(candidate, entry) + ".campaign", kNotAKey);
      LedgerEntry item;
      if (at == JsonDoc::kNone || doc.node(at).type != JsonType::kNumber ||
          !number_ms(doc.raw(at), item.at)) {
        return bad(ledger_field(candidate, entry) + ".at", kNotATime);
      }
      const std::uint32_t control = doc.find(e, "control");
      if (control != JsonDoc::kNone) {
        const JsonType t = doc.node(control).type;
        if (t != JsonType::kTrue && t != JsonType::kFalse)
          return bad(ledger_field(candidate, entry) + ".control", kNotAFlag);
        item.control = t == JsonType::kTrue;
      }
      if (doc.node(campaign).escaped) {
        s.text.clear();
        doc.append_string(campaign, s.text);
        s.decoded.emplace_back(s.text.view());
        item.campaign = s.decoded.back();
      } else {
        item.campaign = doc.raw(campaign);
      }
      s.entries.push_back(item);
    }
    letters.push_back(fatigue_reason_letter(
        fatigue_decision(policy, s.entries.data(), s.entries.size(), send_at_ms)));
  }
  return std::nullopt;
}

std::optional<Problem> fatigue_batch_packed(const FatiguePolicy& policy,
                                            const std::vector<std::string>& keys,
                                            const double* data, std::size_t count,
                                            std::int64_t send_at_ms, std::string& letters) {
  std::vector<LedgerEntry>& entries = scratch().entries;
  std::size_t k = 0;
  for (std::size_t candidate = 0; k < count; ++candidate) {
    const double n = data[k++];
    if (n == -1) return bad("ledgers[" + std::to_string(candidate) + "]", kNotAList);
    if (!(n >= 0) || n != std::floor(n) || n > static_cast<double>((count - k) / 3))
      return bad("ledgers", kMalformed);
    entries.clear();
    for (std::size_t entry = 0; entry < static_cast<std::size_t>(n); ++entry, k += 3) {
      const double key = data[k];
      if (key == -2) return bad(ledger_field(candidate, entry), kNotASend);
      if (key == -1) return bad(ledger_field(candidate, entry) + ".campaign", kNotAKey);
      if (!(key >= 0) || key >= static_cast<double>(keys.size()) || key != std::floor(key))
        return bad("ledgers", kMalformed);
      LedgerEntry item;
      if (!epoch_ms(data[k + 1], item.at))
        return bad(ledger_field(candidate, entry) + ".at", kNotATime);
      const double flags = data[k + 2];
      if (flags != 0 && flags != 1)
        return bad(ledger_field(candidate, entry) + ".control", kNotAFlag);
      item.control = flags == 1;
      item.campaign = keys[static_cast<std::size_t>(key)];
      entries.push_back(item);
    }
    letters.push_back(fatigue_reason_letter(
        fatigue_decision(policy, entries.data(), entries.size(), send_at_ms)));
  }
  return std::nullopt;
}

}  // namespace hookcast
