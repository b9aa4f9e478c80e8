#include "api_json.hpp"

#include <utility>
#include <vector>

#include "json_shape.hpp"

namespace hookcast {

// parse_json() (json_shape.hpp) lives here, in a file the wasm build
// compiles at -O2 (CMakeLists.txt): nlohmann's parser instantiated at -Oz
// made every validate and compile 40% slower.
ParsedJson parse_json(std::string_view text) {
  ParsedJson out;
  // keys[i]: the member name being read at level i + 1 ("" inside a list).
  std::vector<std::string> keys;
  constexpr std::size_t kShownKeys = 4;
  const nlohmann::json::parser_callback_t callback =
      [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        if (out.too_deep) return false;  // nothing more is kept once the bound is passed
        const auto level = static_cast<std::size_t>(depth);
        if (event == nlohmann::json::parse_event_t::key) {
          keys.resize(level);
          if (level > 0) keys[level - 1] = parsed.get<std::string>();
        } else if (event == nlohmann::json::parse_event_t::object_start ||
                   event == nlohmann::json::parse_event_t::array_start) {
          if (depth + 1 > kMaxJsonDepth) {
            out.too_deep = true;
            std::size_t shown = 0;
            for (std::size_t i = 0; i < keys.size() && i < level && shown < kShownKeys; ++i) {
              if (keys[i].empty()) continue;
              if (shown++) out.deep_at.push_back('.');
              out.deep_at += keys[i];
            }
            return false;
          }
          keys.resize(level);
          keys.emplace_back();
        }
        return true;
      };
  out.doc = nlohmann::json::parse(text.begin(), text.end(), callback, false);
  if (out.too_deep) out.doc = nlohmann::json(nlohmann::json::value_t::discarded);
  return out;
}

}  // namespace hookcast

namespace hookcast::api {

using nlohmann::json;

std::string checked(const Problems& problems) {
  std::string out =
      has_error(problems) ? "{\"ok\":false,\"problems\":" : "{\"ok\":true,\"problems\":";
  append_problems(out, problems);
  out.push_back('}');
  return out;
}

std::string failure(const Problems& problems) {
  std::string out = "{\"ok\":false,\"problems\":";
  append_problems(out, problems);
  out.push_back('}');
  return out;
}

std::string failure(std::string field, const char* code, std::string message) {
  return failure(Problems{Problem{std::move(field), code, std::move(message), Severity::kError}});
}

void append_request(std::string& out, const HttpRequest& request) {
  out.append("{\"method\":");
  append_json_string(out, request.method);
  out.append(",\"url\":");
  append_json_string(out, request.url);
  out.append(",\"headers\":[");
  for (std::size_t i = 0; i < request.headers.size(); ++i) {
    out.append(i ? ",[" : "[");
    append_json_string(out, request.headers[i].first);
    out.push_back(',');
    append_json_string(out, request.headers[i].second);
    out.push_back(']');
  }
  out.append("],\"body\":");
  if (request.body) {
    append_json_string(out, *request.body);
  } else {
    out.append("null");
  }
  out.push_back('}');
}

void append_table(std::string& out, const std::vector<TableRow>& rows) {
  out.push_back('[');
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out.append(i ? ",{\"section\":" : "{\"section\":");
    append_json_string(out, rows[i].section);
    out.append(",\"key\":");
    append_json_string(out, rows[i].key);
    out.append(",\"value\":");
    append_json_string(out, rows[i].value);
    out.push_back('}');
  }
  out.push_back(']');
}

namespace {

// Reads an optional string member; false (with a problem) on a wrong type.
bool read_string(const json& obj, const char* key, const std::string& field, std::string& out,
                 Problems& problems) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return true;
  if (!it->is_string()) {
    type_problem(problems, field, "a text", *it);
    return false;
  }
  out = it->get_ref<const std::string&>();
  return true;
}

void read_rows(const json& obj, const char* name, std::vector<KeyValue>& rows, Problems& problems,
               std::vector<std::string>& bad_fields) {
  const auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return;
  if (!it->is_array()) {
    type_problem(problems, name, "a list of {key, value} rows", *it);
    bad_fields.push_back(name);
    return;
  }
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& row = (*it)[i];
    const std::string base = std::string(name) + "[" + std::to_string(i) + "]";
    KeyValue kv;
    if (!row.is_object()) {
      type_problem(problems, base, "an object {key, value}", row);
      bad_fields.push_back(base);
    } else {
      if (!read_string(row, "key", base + ".key", kv.key, problems))
        bad_fields.push_back(base + ".key");
      if (!read_string(row, "value", base + ".value", kv.value, problems))
        bad_fields.push_back(base + ".value");
    }
    rows.push_back(std::move(kv));
  }
}

bool covers(const std::string& bad, const std::string& field) {
  if (field.compare(0, bad.size(), bad) != 0) return false;
  return field.size() == bad.size() || field[bad.size()] == '[' || field[bad.size()] == '.';
}

}  // namespace

void type_problem(Problems& problems, const std::string& field, const char* expected,
                  const json& got) {
  JsonShape(problems).wrong_type(field, expected, got);
}

bool decode_spec(std::string_view text, WebhookSpec& spec, Problems& problems,
                 std::vector<std::string>& bad_fields) {
  const json doc = parse_json(text).doc;
  if (doc.is_discarded()) {
    problems.push_back(
        Problem{"spec", "invalid_spec", "The webhook is not valid JSON.", Severity::kError});
    return false;
  }
  if (!doc.is_object()) {
    problems.push_back(
        Problem{"spec", "invalid_spec",
                std::string("The webhook must be an object, not ") + json_type_name(doc) + ".",
                Severity::kError});
    return false;
  }
  for (const auto& item : doc.items()) {
    const std::string& key = item.key();
    if (key != "url" && key != "method" && key != "params" && key != "headers" && key != "body") {
      problems.push_back(Problem{key, "unknown_field",
                                 "The field \"" + key +
                                     "\" is not part of a webhook and is ignored (known: url, "
                                     "method, params, headers, body).",
                                 Severity::kWarning});
    }
  }
  if (!read_string(doc, "url", "url", spec.url, problems)) bad_fields.push_back("url");
  if (!read_string(doc, "method", "method", spec.method, problems)) bad_fields.push_back("method");
  read_rows(doc, "params", spec.params, problems, bad_fields);
  read_rows(doc, "headers", spec.headers, problems, bad_fields);
  const auto body = doc.find("body");
  if (body != doc.end() && !body->is_null()) {
    if (body->is_string()) {
      spec.body = body->get_ref<const std::string&>();
    } else {
      type_problem(problems, "body", "a text (the JSON body as typed)", *body);
      bad_fields.push_back("body");
    }
  }
  return true;
}

bool decode_options(std::string_view text, Options& options, Problems& problems) {
  if (text.empty()) return true;
  const json doc = parse_json(text).doc;
  if (doc.is_discarded() || !doc.is_object()) {
    problems.push_back(Problem{
        "options", "invalid_type",
        "The options must be a JSON object like {\"allowLocalHttp\": false}.", Severity::kError});
    return false;
  }
  const auto it = doc.find("allowLocalHttp");
  if (it != doc.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      type_problem(problems, "options.allowLocalHttp", "true or false", *it);
      return false;
    }
    options.allow_local_http = it->get<bool>();
  }
  return true;
}

Problems check_spec(std::string_view spec_json, std::string_view options_json,
                    CompiledWebhook* out) {
  Problems problems;
  Options options;
  WebhookSpec spec;
  std::vector<std::string> bad_fields;
  const bool options_ok = decode_options(options_json, options, problems);
  if (!decode_spec(spec_json, spec, problems, bad_fields)) return problems;
  const bool decoded = !has_error(problems);
  Problems found = compile_webhook(spec, options, decoded && options_ok ? out : nullptr);
  for (Problem& p : found) {
    bool skip = false;
    for (const std::string& bad : bad_fields) skip = skip || covers(bad, p.field);
    if (!skip) problems.push_back(std::move(p));
  }
  return problems;
}

bool decode_request(std::string_view text, HttpRequest& request, Problems& problems) {
  const json doc = parse_json(text).doc;
  if (doc.is_discarded() || !doc.is_object()) {
    problems.push_back(Problem{"request", "invalid_type",
                               "The request must be a JSON object {method, url, headers, body}.",
                               Severity::kError});
    return false;
  }
  const auto method = doc.find("method");
  if (method == doc.end() || !method->is_string()) {
    type_problem(problems, "method", "a text", method == doc.end() ? json() : *method);
  } else {
    request.method = method->get_ref<const std::string&>();
  }
  const auto url = doc.find("url");
  if (url == doc.end() || !url->is_string()) {
    type_problem(problems, "url", "a text", url == doc.end() ? json() : *url);
  } else {
    request.url = url->get_ref<const std::string&>();
  }
  const auto headers = doc.find("headers");
  if (headers != doc.end() && !headers->is_null()) {
    if (!headers->is_array()) {
      type_problem(problems, "headers", "a list of [name, value] pairs", *headers);
    } else {
      for (std::size_t i = 0; i < headers->size(); ++i) {
        const json& h = (*headers)[i];
        if (!h.is_array() || h.size() != 2 || !h[0].is_string() || !h[1].is_string()) {
          type_problem(problems, "headers[" + std::to_string(i) + "]",
                       "a [name, value] pair of texts", h);
          continue;
        }
        request.headers.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
      }
    }
  }
  const auto body = doc.find("body");
  if (body != doc.end() && !body->is_null()) {
    if (!body->is_string()) {
      type_problem(problems, "body", "a text or null", *body);
    } else {
      request.body = body->get<std::string>();
    }
  }
  return !has_error(problems);
}

}  // namespace hookcast::api
