#include "webhook.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "ascii.hpp"
#include "body.hpp"
#include "json_text.hpp"
#include "percent_encoding.hpp"
#include "url.hpp"

namespace hookcast {
namespace {

void add_problem(Problems& problems, std::string field, const char* code, std::string message,
                 Severity severity = Severity::kError) {
  problems.push_back(Problem{std::move(field), code, std::move(message), severity});
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  out += text;
  out += '"';
  return out;
}

// Words a person recognises for each field path.
std::string field_label(const std::string& field) {
  if (field == "url") return "the URL";
  if (field == "body") return "the body";
  const std::size_t open = field.find('[');
  const std::size_t close = field.find(']');
  if (open == std::string::npos || close == std::string::npos) return field;
  std::size_t n = 0;
  for (std::size_t i = open + 1; i < close; ++i)
    n = n * 10 + static_cast<std::size_t>(field[i] - '0');
  const std::string index = std::to_string(n + 1);
  const bool key = field.compare(close + 1, std::string::npos, ".key") == 0;
  if (field.compare(0, 6, "params") == 0)
    return std::string(key ? "the name" : "the value") + " of parameter " + index;
  return std::string(key ? "the name" : "the value") + " of header " + index;
}

bool is_blank(std::string_view text) {
  for (char c : text)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  return true;
}

void append_text(std::vector<Op>& ops, std::string_view text) {
  if (text.empty()) return;
  if (ops.empty() || ops.back().slot >= 0) ops.push_back(Op{});
  ops.back().text += text;
}

void append_slot(std::vector<Op>& ops, std::int32_t slot) {
  if (ops.empty() || ops.back().slot >= 0) ops.push_back(Op{});
  ops.back().slot = slot;
}

std::string encode_fallback(const Fallback& fb, SlotMode mode) {
  switch (mode) {
    case SlotMode::kPathSegment:
    case SlotMode::kQuery:
      return percent_encode(fb.text);
    case SlotMode::kHeader:
      return fb.text;
    case SlotMode::kBodyString: {
      std::string out;
      append_json_escaped(out, fb.text);
      return out;
    }
    case SlotMode::kBodyValue: {
      if (fb.kind == Fallback::Kind::kNumber) return fb.text;
      std::string out;
      append_json_string(out, fb.text);
      return out;
    }
  }
  return fb.text;
}

// Builds the compiled webhook while collecting problems; only the output is
// skipped when an error exists, never a check.
class Compiler {
 public:
  Compiler(const WebhookSpec& spec, const Options& options) : spec_(spec), options_(options) {}

  Problems run(CompiledWebhook* out) {
    compile_url();
    compile_method();
    compile_params();
    compile_headers();
    compile_body();
    if (out && !has_error(problems_)) {
      for (const Problem& p : problems_)
        if (p.severity == Severity::kWarning) wh_.warnings.push_back(p);
      *out = std::move(wh_);
    }
    return std::move(problems_);
  }

 private:
  // Registers one placeholder occurrence and returns its slot index.
  std::int32_t add_slot(const VariableRef& var, SlotMode mode, const std::string& field) {
    const std::string display = variable_display(var);
    std::uint32_t lookup = 0;
    while (lookup < wh_.lookups.size() && wh_.lookups[lookup].display != display) ++lookup;
    if (lookup == wh_.lookups.size()) {
      Lookup l;
      l.source = var.source;
      l.builtin = var.is_builtin();
      l.path.assign(var.path.begin() + (l.builtin ? 1 : 0), var.path.end());
      l.display = display;
      wh_.lookups.push_back(std::move(l));
    }
    Slot slot;
    slot.lookup = lookup;
    slot.mode = mode;
    slot.field = field;
    if (var.fallback) {
      slot.fallback = encode_fallback(*var.fallback, mode);
    } else if (!(var.source == VariableSource::kUser && var.is_builtin() && var.path.size() == 1)) {
      // {{ user.id }} is left out: every user has an id, so a fallback
      // would never show and the warning would only be noise.
      const char* gets = mode == SlotMode::kBodyValue ? "null" : "an empty text";
      add_problem(problems_, field, "missing_fallback",
                  "The variable " + display + " in " + field_label(field) +
                      " has no fallback: users without a value get " + gets + ". Add one like {{ " +
                      display + " | default: \"…\" }}.",
                  Severity::kWarning);
    }
    wh_.slots.push_back(std::move(slot));
    return static_cast<std::int32_t>(wh_.slots.size() - 1);
  }

  // Emits the pieces of `tpl` whose range lies in [from, to): literal text
  // through `literal`, placeholders as slots of `mode`.
  template <typename Encode>
  void emit_range(const Template& tpl, std::size_t from, std::size_t to, SlotMode mode,
                  const std::string& field, std::vector<Op>& ops, Encode literal) {
    for (const TemplatePiece& piece : tpl.pieces) {
      if (piece.end <= from || piece.begin >= to) continue;
      if (piece.kind == TemplatePiece::Kind::kVariable) {
        append_slot(ops, add_slot(piece.variable, mode, field));
      } else {
        const std::size_t b = std::max(piece.begin, from), e = std::min(piece.end, to);
        append_text(ops, literal(std::string_view(piece.text).substr(b - piece.begin, e - b)));
      }
    }
  }

  void check_query_credentials(std::string_view query) {
    for_each_query_pair(query, [&](std::string_view key, std::string_view) {
      if (key.find("{{") == std::string_view::npos && looks_like_credential(key)) {
        add_problem(problems_, "url", "credential_in_query",
                    "The URL's query parameter " + quoted(key) +
                        " looks like a secret; secrets in URLs end up in logs. Send it in a "
                        "header (for example Authorization) instead.",
                    Severity::kWarning);
      }
    });
  }

  void compile_url() {
    const std::string& url = spec_.url;
    if (url.size() > kMaxUrlBytes) {
      add_problem(problems_, "url", "url_too_long",
                  "The URL is " + std::to_string(url.size()) + " bytes long; the limit is " +
                      std::to_string(kMaxUrlBytes) + ".");
      url_ok_ = false;
      return;
    }
    const std::size_t before = problems_.size();
    Template tpl = parse_template(url, "url", problems_);
    if (problems_.size() != before) {
      url_ok_ = false;
      return;
    }
    std::string masked(url);
    for (const VariableRef* var : tpl.variables())
      std::fill(masked.begin() + var->begin, masked.begin() + var->end, 'x');

    // Where the authority ends, found without trusting the parser (which may
    // refuse a URL whose host is a placeholder).
    std::size_t authority_end = std::string::npos;
    UrlLayout split;
    if (split_url(masked, split)) authority_end = split.authority_end;
    bool in_host = false;
    for (const VariableRef* var : tpl.variables()) {
      if (authority_end == std::string::npos || var->begin < authority_end) {
        add_problem(problems_, "url", "variable_in_host",
                    "The placeholder at " + describe_position(url, var->begin) +
                        " is in the URL's scheme or host; type the address out (https://host/…) "
                        "and use placeholders only in the path or the query.");
        in_host = true;
      }
    }
    const ParsedUrl parsed = parse_url(masked, options_);
    if (!parsed.ok) {
      if (!in_host) add_problem(problems_, "url", parsed.code.c_str(), parsed.message);
      url_ok_ = false;
      return;
    }
    if (in_host) {
      url_ok_ = false;
      return;
    }
    const UrlLayout& layout = parsed.layout;
    for (const VariableRef* var : tpl.variables()) {
      if (var->begin < layout.authority_end) {
        add_problem(problems_, "url", "variable_in_host",
                    "The placeholder at " + describe_position(url, var->begin) +
                        " is in the URL's host; type the host out and use placeholders only in "
                        "the path or the query.");
        url_ok_ = false;
      }
    }
    if (!url_ok_) return;
    if (layout.has_fragment) {
      add_problem(problems_, "url", "fragment_ignored",
                  "The part of the URL after '#' is never sent to the server, so it is dropped.",
                  Severity::kWarning);
    }
    auto normalize = [](std::string_view text) { return normalize_url_literal(text); };
    append_text(wh_.url, parsed.origin);
    if (layout.path_end > layout.path_begin) {
      emit_range(tpl, layout.path_begin, layout.path_end, SlotMode::kPathSegment, "url", wh_.url,
                 normalize);
    } else {
      append_text(wh_.url, "/");
    }
    if (layout.has_query && layout.query_end > layout.query_begin) {
      append_text(wh_.url, "?");
      emit_range(tpl, layout.query_begin, layout.query_end, SlotMode::kQuery, "url", wh_.url,
                 normalize);
      query_started_ = true;
      check_query_credentials(
          std::string_view(url).substr(layout.query_begin, layout.query_end - layout.query_begin));
    }
  }

  void compile_method() {
    const std::string& m = spec_.method;
    if (m.empty()) {
      add_problem(problems_, "method", "method_required",
                  "Choose a method: GET, POST, PUT, PATCH or DELETE.");
      return;
    }
    const std::string upper = ascii::uppercase(m);
    for (const char* known : kMethods) {
      if (upper == known) {
        if (upper != m) {
          add_problem(problems_, "method", "method_normalized",
                      "The method " + quoted(m) + " was read as " + upper + ".",
                      Severity::kWarning);
        }
        wh_.method = upper;
        return;
      }
    }
    add_problem(
        problems_, "method", "invalid_method",
        "The method " + quoted(m) + " is not supported; use GET, POST, PUT, PATCH or DELETE.");
  }

  void compile_params() {
    if (spec_.params.size() > kMaxParams) {
      add_problem(problems_, "params", "too_many_params",
                  "There are " + std::to_string(spec_.params.size()) +
                      " parameters; the limit is " + std::to_string(kMaxParams) + ".");
      return;
    }
    auto encode = [](std::string_view text) { return percent_encode(text); };
    for (std::size_t i = 0; i < spec_.params.size(); ++i) {
      const KeyValue& kv = spec_.params[i];
      const std::string base = "params[" + std::to_string(i) + "]";
      const std::string key_field = base + ".key", value_field = base + ".value";
      if (kv.key.empty()) {
        add_problem(problems_, key_field, "param_key_required",
                    "Parameter " + std::to_string(i + 1) + " has a value but no name.");
      }
      const std::size_t before = problems_.size();
      Template key = parse_template(kv.key, key_field, problems_);
      Template value = parse_template(kv.value, value_field, problems_);
      if (problems_.size() != before || !url_ok_) continue;
      if (key.is_static() && looks_like_credential(kv.key)) {
        add_problem(problems_, key_field, "credential_in_query",
                    "The parameter " + quoted(kv.key) +
                        " looks like a secret; secrets in URLs end up in logs. Send it in a "
                        "header (for example Authorization) instead.",
                    Severity::kWarning);
      }
      append_text(wh_.url, query_started_ ? "&" : "?");
      query_started_ = true;
      emit_range(key, 0, kv.key.size(), SlotMode::kQuery, key_field, wh_.url, encode);
      append_text(wh_.url, "=");
      emit_range(value, 0, kv.value.size(), SlotMode::kQuery, value_field, wh_.url, encode);
    }
  }

  static bool is_forbidden_header(const std::string& lower) {
    static const char* const kForbidden[] = {
        "host", "content-length", "transfer-encoding", "connection", "upgrade", "keep-alive",
        "te",   "trailer",        "proxy-connection",  "expect"};
    for (const char* f : kForbidden)
      if (lower == f) return true;
    return lower.compare(0, 6, "proxy-") == 0;
  }

  void compile_headers() {
    if (spec_.headers.size() > kMaxHeaders) {
      add_problem(problems_, "headers", "too_many_headers",
                  "There are " + std::to_string(spec_.headers.size()) + " headers; the limit is " +
                      std::to_string(kMaxHeaders) + ".");
      return;
    }
    std::vector<std::string> seen;
    for (std::size_t i = 0; i < spec_.headers.size(); ++i) {
      const KeyValue& kv = spec_.headers[i];
      const std::string base = "headers[" + std::to_string(i) + "]";
      const std::string key_field = base + ".key", value_field = base + ".value";
      const std::size_t before = problems_.size();
      const std::string lower = ascii::lowercase(kv.key);
      if (kv.key.empty()) {
        add_problem(problems_, key_field, "header_name_required",
                    "Header " + std::to_string(i + 1) + " has no name.");
      } else if (kv.key.find("{{") != std::string::npos || kv.key.find("{%") != std::string::npos) {
        add_problem(problems_, key_field, "variable_in_header_name",
                    "The header name " + quoted(kv.key) +
                        " holds a placeholder; header names must be typed out. Placeholders "
                        "may go in the value.");
      } else if (!is_http_token(kv.key)) {
        std::size_t bad = 0;
        while (bad < kv.key.size() && is_http_token(std::string_view(kv.key).substr(bad, 1))) ++bad;
        add_problem(problems_, key_field, "invalid_header_name",
                    "The header name " + quoted(kv.key) +
                        " has a character not allowed in a "
                        "header name at " +
                        describe_position(kv.key, bad) +
                        "; use letters, digits and - (like X-Api-Key).");
      } else if (lower == "content-type") {
        add_problem(problems_, key_field, "content_type_fixed",
                    "Content-Type is always application/json and cannot be changed; remove this "
                    "header.");
      } else if (is_forbidden_header(lower)) {
        add_problem(problems_, key_field, "forbidden_header",
                    "The header " + kv.key +
                        " is set by the sender itself (it frames the message) and cannot be "
                        "set here.");
      } else {
        if (std::find(seen.begin(), seen.end(), lower) != seen.end()) {
          add_problem(problems_, key_field, "duplicate_header",
                      "The header " + kv.key + " appears more than once; both are sent.",
                      Severity::kWarning);
        }
        seen.push_back(lower);
      }
      if (kv.value.size() > kMaxHeaderValueBytes) {
        add_problem(problems_, value_field, "header_value_too_long",
                    "The value of header " + std::to_string(i + 1) + " is " +
                        std::to_string(kv.value.size()) + " bytes long; the limit is " +
                        std::to_string(kMaxHeaderValueBytes) + ".");
        continue;
      }
      const std::size_t bad = kv.value.find_first_of(std::string_view("\r\n\0", 3));
      if (bad != std::string::npos) {
        add_problem(problems_, value_field, "header_injection",
                    "The value of header " + std::to_string(i + 1) +
                        " has a line break or NUL at " + describe_position(kv.value, bad) +
                        "; header values must be one line.");
        continue;
      }
      Template value = parse_template(kv.value, value_field, problems_);
      if (has_error_since(before)) continue;
      CompiledHeader header;
      header.name = kv.key;
      header.field = value_field;
      auto raw = [](std::string_view text) { return std::string(text); };
      emit_range(value, 0, kv.value.size(), SlotMode::kHeader, value_field, header.value, raw);
      if (value.is_static() && !header.value.empty()) {
        std::string& text = header.value[0].text;
        text = std::string(ascii::trim_ows(text));
      }
      wh_.headers.push_back(std::move(header));
    }
  }

  void compile_body() {
    if (!spec_.body || is_blank(*spec_.body)) return;
    const std::string& body = *spec_.body;
    if (wh_.method == "GET") {
      add_problem(problems_, "body", "body_not_allowed",
                  "A GET request has no body; choose POST, PUT, PATCH or DELETE, or clear the "
                  "body.");
      return;
    }
    if (body.size() > kMaxBodyBytes) {
      add_problem(problems_, "body", "body_too_large",
                  "The body is " + std::to_string(body.size()) + " bytes; the limit is " +
                      std::to_string(kMaxBodyBytes) + " (256 KiB).");
      return;
    }
    BodyAnalysis analysis = analyze_body(body, problems_);
    if (!analysis.ok) return;
    std::size_t slot_index = 0;
    for (const TemplatePiece& piece : analysis.tpl.pieces) {
      if (piece.kind == TemplatePiece::Kind::kText) {
        append_text(wh_.body, piece.text);
        continue;
      }
      const SlotMode mode = analysis.slots[slot_index++] == BodySlot::kInString
                                ? SlotMode::kBodyString
                                : SlotMode::kBodyValue;
      append_slot(wh_.body, add_slot(piece.variable, mode, "body"));
    }
    wh_.has_body = true;
  }

  bool has_error_since(std::size_t index) const {
    for (std::size_t i = index; i < problems_.size(); ++i)
      if (problems_[i].severity == Severity::kError) return true;
    return false;
  }

  const WebhookSpec& spec_;
  const Options& options_;
  Problems problems_;
  CompiledWebhook wh_;
  bool url_ok_ = true;
  bool query_started_ = false;
};

}  // namespace

bool is_http_token(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
    if (!ok) return false;
  }
  return true;
}

bool looks_like_credential(std::string_view key) {
  std::string k;
  for (const char c : key) {
    if (c == '-' || c == '_' || c == '.' || c == ' ') continue;
    k += ascii::to_lower(c);
  }
  static const char* const kExact[] = {"key",       "auth",       "sig",         "pwd",
                                       "pass",      "jwt",        "bearer",      "session",
                                       "sessionid", "credential", "credentials", "authorization"};
  for (const char* e : kExact)
    if (k == e) return true;
  static const char* const kSuffix[] = {"token",     "secret",     "password",
                                        "passwd",    "apikey",     "signature",
                                        "accesskey", "privatekey", "secretkey"};
  for (const char* s : kSuffix) {
    const std::size_t len = std::strlen(s);
    if (k.size() >= len && k.compare(k.size() - len, len, s) == 0) return true;
  }
  return false;
}

Problems compile_webhook(const WebhookSpec& spec, const Options& options, CompiledWebhook* out) {
  return Compiler(spec, options).run(out);
}

Problems validate_webhook(const WebhookSpec& spec, const Options& options) {
  return compile_webhook(spec, options, nullptr);
}

}  // namespace hookcast
