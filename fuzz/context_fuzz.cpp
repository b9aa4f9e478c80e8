// Fuzzes the fast JSON reader against nlohmann: both accept or both reject
// the same texts (except the lone-surrogate escapes the reader deliberately
// accepts), and what both accept re-serialises to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "json_check.hpp"
#include "json_text.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  hookcast::JsonDoc doc;
  hookcast::JsonError error;
  const bool ours = doc.parse(text, &error);
  if (text.find('\0') != std::string::npos) {
    // nlohmann reads a NUL byte as the end of the text; JSON has no such rule.
    check(!ours);
    return 0;
  }
  const hookcast::JsonSyntaxCheck verdict = hookcast::check_json_syntax(text);
  if (!ours) {
    check(error.offset <= size && !error.reason.empty());
    check(verdict.failed);
    return 0;
  }
  if (verdict.failed) {
    check(verdict.what.find("surrogate") != std::string::npos);
    return 0;
  }
  hookcast::Buffer compact;
  doc.append_compact(0, compact);
  const nlohmann::json a = nlohmann::json::parse(text, nullptr, false);
  const nlohmann::json b = nlohmann::json::parse(compact.str(), nullptr, false);
  check(!a.is_discarded() && !b.is_discarded());
  check(a == b);
  // Every string decodes to what nlohmann decodes.
  for (std::uint32_t i = 0; i < doc.size(); ++i) {
    if (doc.node(i).type != hookcast::JsonType::kString) continue;
    hookcast::Buffer decoded;
    doc.append_string(i, decoded);
    const std::string quoted = "\"" + std::string(doc.raw(i)) + "\"";
    check(nlohmann::json::parse(quoted).get<std::string>() == decoded.str());
  }
  return 0;
}
