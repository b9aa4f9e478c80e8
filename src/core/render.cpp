#include "render.hpp"

#include <cstring>

#include "ascii.hpp"
#include "body.hpp"
#include "percent_encoding.hpp"
#include "template.hpp"
#include "url.hpp"

namespace hookcast {
namespace {

constexpr std::uint32_t kNone = JsonDoc::kNone;

void append_uint(Buffer& out, std::uint64_t v) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) out.push_back(buf[--n]);
}

bool all_digits(const std::string& s) {
  if (s.empty() || s.size() > 15) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// The per-render view of a context: the roots every lookup starts from.
struct Roots {
  std::uint32_t user_id = kNone, user_props = kNone;
  std::uint32_t event_key = kNone, event_props = kNone;
};

// Liquid's text of a value, appended to `out`.
void append_text(const JsonDoc& doc, const ResolvedValue& v, Buffer& out) {
  if (v.kind == ResolvedValue::Kind::kMissing) return;
  if (v.kind == ResolvedValue::Kind::kCount) {
    append_uint(out, v.count);
    return;
  }
  const std::uint32_t end = doc.node(v.node).next;
  std::uint32_t i = v.node;
  // Arrays flatten: walk the subtree in document order; objects print whole.
  while (i < end) {
    const JsonNode& n = doc.node(i);
    switch (n.type) {
      case JsonType::kNull:
        break;
      case JsonType::kFalse:
        out.append("false");
        break;
      case JsonType::kTrue:
        out.append("true");
        break;
      case JsonType::kNumber:
        out.append(doc.raw(i));
        break;
      case JsonType::kString:
        doc.append_string(i, out);
        break;
      case JsonType::kArray:
        ++i;
        continue;
      case JsonType::kObject:
        doc.append_compact(i, out);
        i = n.next;
        continue;
    }
    ++i;
  }
}

bool is_falsy(const JsonDoc& doc, const ResolvedValue& v) {
  if (v.kind == ResolvedValue::Kind::kMissing) return true;
  if (v.kind == ResolvedValue::Kind::kCount) return false;
  const JsonNode& n = doc.node(v.node);
  switch (n.type) {
    case JsonType::kNull:
    case JsonType::kFalse:
      return true;
    case JsonType::kString:
      return n.length == 0;
    case JsonType::kArray:
      return n.count == 0;
    default:
      return false;
  }
}

bool is_nil(const JsonDoc& doc, const ResolvedValue& v) {
  return v.kind == ResolvedValue::Kind::kMissing ||
         (v.kind == ResolvedValue::Kind::kNode && doc.node(v.node).type == JsonType::kNull);
}

ResolvedValue resolve(const JsonDoc& doc, const Roots& roots, const Lookup& lookup) {
  ResolvedValue v;
  std::uint32_t node = lookup.source == VariableSource::kUser
                           ? (lookup.builtin ? roots.user_id : roots.user_props)
                           : (lookup.builtin ? roots.event_key : roots.event_props);
  if (node == kNone) return v;
  for (const PathSegment& seg : lookup.path) {
    const JsonNode& n = doc.node(node);
    std::uint32_t next = kNone;
    if (n.type == JsonType::kObject) {
      if (seg.kind == PathSegment::Kind::kKey) {
        next = doc.find(node, seg.key);
        if (next == kNone && seg.key == "size") {
          v.kind = ResolvedValue::Kind::kCount;
          v.count = n.count;
          // A count has no properties: anything after it is missing.
          if (&seg != &lookup.path.back()) v.kind = ResolvedValue::Kind::kMissing;
          return v;
        }
      }
    } else if (n.type == JsonType::kArray) {
      if (seg.kind == PathSegment::Kind::kIndex) {
        next = doc.element(node, seg.index);
      } else if (seg.key == "size") {
        if (&seg == &lookup.path.back()) {
          v.kind = ResolvedValue::Kind::kCount;
          v.count = n.count;
        }
        return v;
      } else if (seg.key == "first") {
        next = doc.element(node, 0);
      } else if (seg.key == "last") {
        next = doc.element(node, -1);
      } else if (all_digits(seg.key)) {
        long long index = 0;
        for (char c : seg.key) index = index * 10 + (c - '0');
        next = doc.element(node, index);
      }
    } else if (n.type == JsonType::kString) {
      if (seg.kind == PathSegment::Kind::kKey && seg.key == "size" && &seg == &lookup.path.back()) {
        v.kind = ResolvedValue::Kind::kCount;
        v.count = doc.utf16_length(node);
      }
      return v;
    }
    if (next == kNone) return v;
    node = next;
  }
  v.kind = ResolvedValue::Kind::kNode;
  v.node = node;
  return v;
}

bool fail(RenderedRequest& out, std::string field, const char* code, std::string message) {
  out.ok = false;
  out.problems.clear();
  out.problems.push_back(Problem{std::move(field), code, std::move(message), Severity::kError});
  return false;
}

// Finds the context's roots; false (with the problem in `out`) when the
// context has the wrong shape.
bool find_roots(const JsonDoc& doc, std::uint32_t root, Roots& roots, RenderedRequest& out) {
  if (doc.node(root).type != JsonType::kObject) {
    return fail(out, "context", "invalid_context",
                "The context must be a JSON object like {\"user\": {\"id\": \"…\", "
                "\"properties\": {…}}}.");
  }
  struct Part {
    std::string_view name;
    std::string_view builtin;
    std::uint32_t* builtin_out;
    std::uint32_t* props_out;
  };
  const Part parts[] = {{"user", "id", &roots.user_id, &roots.user_props},
                        {"event", "key", &roots.event_key, &roots.event_props}};
  for (const Part& part : parts) {
    const std::uint32_t node = doc.find(root, part.name);
    if (node == kNone || doc.node(node).type == JsonType::kNull) continue;
    if (doc.node(node).type != JsonType::kObject) {
      return fail(out, "context", "invalid_context",
                  "The context's \"" + std::string(part.name) + "\" must be an object.");
    }
    const std::uint32_t builtin = doc.find(node, part.builtin);
    if (builtin != kNone) {
      const JsonType t = doc.node(builtin).type;
      if (t == JsonType::kArray || t == JsonType::kObject) {
        return fail(out, "context", "invalid_context",
                    "The context's " + std::string(part.name) + "." + std::string(part.builtin) +
                        " must be a text or a number.");
      }
      *part.builtin_out = builtin;
    }
    const std::uint32_t props = doc.find(node, "properties");
    if (props != kNone && doc.node(props).type != JsonType::kNull) {
      if (doc.node(props).type != JsonType::kObject) {
        return fail(out, "context", "invalid_context",
                    "The context's " + std::string(part.name) + ".properties must be an object.");
      }
      *part.props_out = props;
    }
  }
  return true;
}

class Renderer {
 public:
  Renderer(const CompiledWebhook& wh, const JsonDoc& doc, RenderScratch& scratch,
           RenderedRequest& out)
      : wh_(wh), doc_(doc), scratch_(scratch), out_(out) {}

  // Stops once `dst` is past `limit` (the caller refuses it as too large):
  // a message never grows further than its limit plus one value, however
  // many placeholders repeat a large value.
  void emit(const std::vector<Op>& ops, Buffer& dst, std::size_t limit) {
    for (const Op& op : ops) {
      dst.append(op.text);
      if (op.slot >= 0) emit_slot(wh_.slots[static_cast<std::size_t>(op.slot)], dst);
      if (dst.size() > limit) return;
    }
  }

  // A header value, refused by the caller when too long. Its value is
  // trimmed of spaces and tabs at both ends afterwards, so the bound is on
  // what trimming keeps: rendering stops once more than `limit` bytes that
  // are not spaces or tabs are written (the value is too long whatever
  // follows), and a run of trailing spaces and tabs is kept to `limit` + 1
  // bytes (either it stays trailing and is trimmed whole, or text follows
  // and the value is too long either way). So a header never grows past
  // its limit plus one value, however many placeholders repeat a value.
  void emit_header(const std::vector<Op>& ops, Buffer& dst, std::size_t limit) {
    std::size_t kept = 0;  // bytes that are not spaces or tabs
    for (const Op& op : ops) {
      const std::size_t from = dst.size();
      dst.append(op.text);
      if (op.slot >= 0) emit_slot(wh_.slots[static_cast<std::size_t>(op.slot)], dst);
      for (std::size_t i = from; i < dst.size(); ++i) kept += dst[i] != ' ' && dst[i] != '\t';
      if (kept > limit) return;
      std::size_t run = 0;
      while (run < dst.size() &&
             (dst[dst.size() - 1 - run] == ' ' || dst[dst.size() - 1 - run] == '\t'))
        ++run;
      if (run > limit + 1) dst.truncate(dst.size() - (run - (limit + 1)));
    }
  }

  // The URL, noting in scratch.path_marks where each path placeholder's
  // text starts, so the segments personalization wrote can be checked.
  void emit_url(Buffer& dst) {
    scratch_.path_marks.clear();
    for (const Op& op : wh_.url) {
      dst.append(op.text);
      if (op.slot < 0) continue;
      const Slot& slot = wh_.slots[static_cast<std::size_t>(op.slot)];
      if (slot.mode == SlotMode::kPathSegment)
        scratch_.path_marks.push_back(static_cast<std::uint32_t>(dst.size()));
      emit_slot(slot, dst);
      if (dst.size() > kMaxUrlBytes) return;  // refused by the caller
    }
  }

 private:
  void emit_slot(const Slot& slot, Buffer& dst) {
    const ResolvedValue& v = scratch_.values[slot.lookup];
    if (slot.fallback && is_falsy(doc_, v)) {
      dst.append(*slot.fallback);
      return;
    }
    if (!slot.fallback && is_nil(doc_, v)) warn_missing(slot);
    switch (slot.mode) {
      case SlotMode::kHeader:
        append_text(doc_, v, dst);
        return;
      case SlotMode::kPathSegment:
      case SlotMode::kQuery:
        // A string value needs no decoding step when it has no escapes.
        if (v.kind == ResolvedValue::Kind::kNode && doc_.node(v.node).type == JsonType::kString &&
            !doc_.node(v.node).escaped) {
          append_percent_encoded(dst, doc_.raw(v.node));
          return;
        }
        scratch_.text.clear();
        append_text(doc_, v, scratch_.text);
        append_percent_encoded(dst, scratch_.text.view());
        return;
      case SlotMode::kBodyString:
        if (v.kind == ResolvedValue::Kind::kNode && doc_.node(v.node).type == JsonType::kString) {
          doc_.append_string_escaped(v.node, dst);
          return;
        }
        scratch_.text.clear();
        append_text(doc_, v, scratch_.text);
        append_json_escaped(dst, scratch_.text.view());
        return;
      case SlotMode::kBodyValue:
        if (v.kind == ResolvedValue::Kind::kMissing) {
          dst.append("null");
        } else if (v.kind == ResolvedValue::Kind::kCount) {
          append_uint(dst, v.count);
        } else {
          doc_.append_compact(v.node, dst);
        }
        return;
    }
  }

  void warn_missing(const Slot& slot) {
    const Lookup& lookup = wh_.lookups[slot.lookup];
    out_.problems.push_back(Problem{slot.field, "missing_value",
                                    lookup.display +
                                        " has no value for this user and no fallback, so " +
                                        (slot.mode == SlotMode::kBodyValue ? "null" : "nothing") +
                                        " was used in " + slot.field + ".",
                                    Severity::kWarning});
    out_.problems.back().variable =
        ProblemVariable{variable_source_name(lookup.source), lookup.name, lookup.display};
  }

  const CompiledWebhook& wh_;
  const JsonDoc& doc_;
  RenderScratch& scratch_;
  RenderedRequest& out_;
};

// Header values are sent without surrounding spaces and tabs (RFC 9110
// field values carry no leading or trailing whitespace).
void trim_header_value(Buffer& value) {
  const std::string_view all = value.view();
  const std::string_view kept = ascii::trim_ows(all);
  const std::size_t b = static_cast<std::size_t>(kept.data() - all.data());
  value.truncate(b + kept.size());
  if (b) value.erase_front(b);
}

// The path segment of `url` around byte `at` (a path placeholder's start),
// when it is a dot segment. A value cannot add a '/', '?' or '#' (they are
// percent-encoded), so the segment's bounds are the literal ones.
bool dot_segment_at(std::string_view url, std::size_t at, std::string_view& segment) {
  std::size_t begin = at;
  while (begin > 0 && url[begin - 1] != '/') --begin;
  std::size_t end = at;
  while (end < url.size() && url[end] != '/' && url[end] != '?' && url[end] != '#') ++end;
  segment = url.substr(begin, end - begin);
  return is_dot_segment(segment);
}

bool has_forbidden_header_byte(const Buffer& value, std::size_t& at) {
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\r' || c == '\n' || c == '\0') {
      at = i;
      return true;
    }
  }
  return false;
}

}  // namespace

void render_context(const CompiledWebhook& webhook, const JsonDoc& doc, std::uint32_t root,
                    RenderScratch& scratch, RenderedRequest& out) {
  out.ok = false;
  out.problems.clear();
  out.url.clear();
  out.body.clear();
  out.has_body = false;
  Roots roots;
  if (!find_roots(doc, root, roots, out)) return;
  scratch.values.resize(webhook.lookups.size());
  for (std::size_t i = 0; i < webhook.lookups.size(); ++i)
    scratch.values[i] = resolve(doc, roots, webhook.lookups[i]);

  Renderer r(webhook, doc, scratch, out);
  r.emit_url(out.url);
  if (out.url.size() > kMaxUrlBytes) {
    fail(out, "url", "url_too_long",
         "For this user the URL is " + std::to_string(out.url.size()) +
             " bytes long; the limit is " + std::to_string(kMaxUrlBytes) + ".");
    return;
  }
  // "." and ".." (in any spelling, %2e included) are resolved away by every
  // URL parser, fetch's too: the request would go to another path than the
  // one the preview shows.
  for (const std::uint32_t mark : scratch.path_marks) {
    std::string_view segment;
    if (dot_segment_at(out.url.view(), mark, segment)) {
      fail(out, "url", "path_traversal",
           "For this user a path segment of the URL would be \"" + std::string(segment) +
               "\" (from a personalization value), which moves the request to another path, "
               "so it is not sent.");
      return;
    }
  }
  out.header_values.resize(webhook.headers.size());
  for (std::size_t i = 0; i < webhook.headers.size(); ++i) {
    Buffer& value = out.header_values[i];
    value.clear();
    r.emit_header(webhook.headers[i].value, value, kMaxHeaderValueBytes);
    trim_header_value(value);
    std::size_t at = 0;
    if (has_forbidden_header_byte(value, at)) {
      fail(out, webhook.headers[i].field, "header_injection",
           "For this user the header " + webhook.headers[i].name +
               " would contain a line break or NUL (from a personalization value), so the "
               "request is not sent.");
      return;
    }
    if (value.size() > kMaxHeaderValueBytes) {
      fail(out, webhook.headers[i].field, "header_value_too_long",
           "For this user the header " + webhook.headers[i].name + " is " +
               std::to_string(value.size()) + " bytes long; the limit is " +
               std::to_string(kMaxHeaderValueBytes) + ".");
      return;
    }
  }
  if (webhook.has_body) {
    out.has_body = true;
    r.emit(webhook.body, out.body, kMaxBodyBytes);
    if (out.body.size() > kMaxBodyBytes) {
      fail(out, "body", "body_too_large",
           "For this user the body is " + std::to_string(out.body.size()) +
               " bytes; the limit is " + std::to_string(kMaxBodyBytes) + " (256 KiB).");
      return;
    }
  }
  out.ok = true;
}

bool empty_variables(const CompiledWebhook& webhook, const JsonDoc& doc, std::uint32_t root,
                     RenderScratch& scratch, std::vector<bool>& empty) {
  Roots roots;
  RenderedRequest refused;
  if (!find_roots(doc, root, roots, refused)) return false;
  scratch.values.resize(webhook.lookups.size());
  for (std::size_t i = 0; i < webhook.lookups.size(); ++i)
    scratch.values[i] = resolve(doc, roots, webhook.lookups[i]);
  empty.assign(webhook.lookups.size(), false);
  // The same tests as Renderer::emit_slot: a fallback replaces a falsy
  // value, and a nil value without one is a missing_value.
  for (const Slot& slot : webhook.slots) {
    const ResolvedValue& v = scratch.values[slot.lookup];
    if (slot.fallback ? is_falsy(doc, v) : is_nil(doc, v)) empty[slot.lookup] = true;
  }
  return true;
}

void render_json(const CompiledWebhook& webhook, std::string_view context_json,
                 RenderScratch& scratch, RenderedRequest& out) {
  JsonError error;
  if (!scratch.doc.parse(context_json, &error)) {
    out.ok = false;
    out.url.clear();
    out.body.clear();
    out.has_body = false;
    fail(out, "context", "invalid_context",
         "The context is not valid JSON at " + describe_position(context_json, error.offset) +
             ": " + error.reason + ".");
    return;
  }
  render_context(webhook, scratch.doc, 0, scratch, out);
}

bool static_header_value(const CompiledHeader& header, std::string& value) {
  Buffer b;
  for (const Op& op : header.value) {
    if (op.slot >= 0) return false;
    b.append(op.text);
  }
  trim_header_value(b);
  value = b.str();
  return true;
}

HttpRequest to_http_request(const CompiledWebhook& webhook, const RenderedRequest& rendered) {
  HttpRequest request;
  request.method = webhook.method;
  request.url = rendered.url.str();
  request.headers.reserve(webhook.headers.size() + 1);
  request.headers.emplace_back("Content-Type", "application/json");
  for (std::size_t i = 0; i < webhook.headers.size(); ++i)
    request.headers.emplace_back(webhook.headers[i].name, rendered.header_values[i].str());
  if (rendered.has_body) request.body = rendered.body.str();
  return request;
}

RenderResult render(const CompiledWebhook& webhook, std::string_view context_json) {
  RenderScratch scratch;
  RenderedRequest rendered;
  render_json(webhook, context_json, scratch, rendered);
  RenderResult result;
  result.ok = rendered.ok;
  if (rendered.ok) result.request = to_http_request(webhook, rendered);
  result.problems = std::move(rendered.problems);
  return result;
}

}  // namespace hookcast
