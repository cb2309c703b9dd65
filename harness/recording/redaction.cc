#include "harness/recording/redaction.h"

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstddef>
#include <utility>

#include "harness/recording/cassette_format.h"

namespace agentreplay::harness {
namespace {

constexpr std::string_view kCredentialHeaders[] = {
    "Authorization", "Proxy-Authorization", "api-key",       "x-api-key", "Cookie",
    "Set-Cookie",    "OpenAI-Organization", "OpenAI-Project"};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return out;
}

bool IsCredential(std::string_view name) {
  return std::any_of(std::begin(kCredentialHeaders), std::end(kCredentialHeaders),
                     [&](std::string_view c) { return EqualsIgnoreCase(c, name); });
}

bool IsRedactedHeader(std::string_view name, const RedactionRules& rules) {
  return IsCredential(name) ||
         std::any_of(rules.headers.begin(), rules.headers.end(),
                     [&](const std::string& h) { return EqualsIgnoreCase(h, name); });
}

// "Bearer REDACTED" for a value of the form "<scheme> <credentials>", else "REDACTED".
std::string RedactedHeaderValue(std::string_view name, std::string_view value) {
  if (EqualsIgnoreCase(name, "Authorization") || EqualsIgnoreCase(name, "Proxy-Authorization")) {
    const std::size_t space = value.find(' ');
    const std::string_view scheme = value.substr(0, space);
    const bool is_scheme = space != std::string_view::npos && !scheme.empty() &&
                           std::all_of(scheme.begin(), scheme.end(), [](char c) {
                             return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                           });
    if (is_scheme) return std::string(scheme) + " " + std::string(kRedactedValue);
  }
  return std::string(kRedactedValue);
}

void RedactHeaders(HttpHeaders& headers, const RedactionRules& rules,
                   std::set<std::string>& redacted) {
  for (HttpHeader& h : headers) {
    if (!IsRedactedHeader(h.name, rules)) continue;
    h.value = RedactedHeaderValue(h.name, h.value);
    redacted.insert(Lower(h.name));
  }
}

// Query parameters named like a credential header or a redacted field ("?api-key=...").
void RedactQuery(std::string& target, const RedactionRules& rules,
                 std::set<std::string>& redacted) {
  const std::size_t query = target.find('?');
  if (query == std::string::npos) return;
  std::string out = target.substr(0, query + 1);
  const std::string_view whole = target;
  std::string_view rest = whole.substr(query + 1);
  bool first = true;
  while (true) {
    const std::size_t amp = rest.find('&');
    const std::string_view param = rest.substr(0, amp);
    const std::size_t eq = param.find('=');
    const std::string_view name = param.substr(0, eq);
    const bool secret = eq != std::string_view::npos &&
                        (IsRedactedHeader(name, rules) ||
                         std::find(rules.json_fields.begin(), rules.json_fields.end(), name) !=
                             rules.json_fields.end());
    if (!first) out += '&';
    first = false;
    if (secret) {
      out.append(name).append("=").append(kRedactedValue);
      redacted.insert(std::string(name));
    } else {
      out.append(param);
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  target = std::move(out);
}

// Copies SAX events to a writer, except that the value after a matching member name is replaced:
// a scalar by "REDACTED", a container by "REDACTED" and nothing of what it holds.
class RedactingHandler {
 public:
  using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

  RedactingHandler(Writer& writer, std::span<const std::string> fields,
                   std::set<std::string>& redacted)
      : w_(writer), fields_(fields), redacted_(redacted) {}

  // A null holds no secret: it stays, so an API that echoes an unset field (Responses sends
  // "user": null) keeps its body byte for byte.
  bool Null() {
    if (skip_depth_ > 0) return true;
    replace_next_ = false;
    return w_.Null();
  }
  bool Bool(bool b) {
    return Scalar([&] { return w_.Bool(b); });
  }
  bool Int(int i) {
    return Scalar([&] { return w_.Int(i); });
  }
  bool Uint(unsigned u) {
    return Scalar([&] { return w_.Uint(u); });
  }
  bool Int64(int64_t i) {
    return Scalar([&] { return w_.Int64(i); });
  }
  bool Uint64(uint64_t u) {
    return Scalar([&] { return w_.Uint64(u); });
  }
  bool Double(double d) {
    return Scalar([&] { return w_.Double(d); });
  }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    return Scalar([&] { return w_.RawValue(s, n, rapidjson::kNumberType); });
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    return Scalar([&] { return w_.String(s, n); });
  }
  bool StartObject() {
    return Open([&] { return w_.StartObject(); });
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (skip_depth_ > 0) return true;
    const std::string_view name(s, n);
    if (std::find(fields_.begin(), fields_.end(), name) != fields_.end()) {
      replace_next_ = true;
      pending_name_ = name;
    }
    return w_.Key(s, n);
  }
  bool EndObject(rapidjson::SizeType) {
    return Close([&] { return w_.EndObject(); });
  }
  bool StartArray() {
    return Open([&] { return w_.StartArray(); });
  }
  bool EndArray(rapidjson::SizeType) {
    return Close([&] { return w_.EndArray(); });
  }

  bool changed() const { return changed_; }

 private:
  bool Replacement() {
    replace_next_ = false;
    redacted_.emplace(pending_name_);
    changed_ = true;
    return w_.String(kRedactedValue.data(),
                     static_cast<rapidjson::SizeType>(kRedactedValue.size()));
  }
  template <class F>
  bool Scalar(F write) {
    if (skip_depth_ > 0) return true;
    return replace_next_ ? Replacement() : write();
  }
  template <class F>
  bool Open(F write) {
    if (skip_depth_ > 0) {
      ++skip_depth_;
      return true;
    }
    if (replace_next_) {
      skip_depth_ = 1;
      return Replacement();
    }
    return write();
  }
  template <class F>
  bool Close(F write) {
    if (skip_depth_ > 0) {
      --skip_depth_;
      return true;
    }
    return write();
  }

  Writer& w_;
  std::span<const std::string> fields_;
  std::set<std::string>& redacted_;
  std::size_t skip_depth_ = 0;  // > 0 inside a replaced container
  bool replace_next_ = false;
  std::string pending_name_;  // the member whose value is replaced next
  bool changed_ = false;
};

// A replacement of body bytes [begin, end).
struct Edit {
  std::size_t begin;
  std::size_t end;
  std::string text;
};

// Applies `edits` (in order, disjoint, non-empty) to the body the chunks make up, keeping every
// unchanged byte in its chunk. A replacement goes out in the chunk that held the last byte of
// what it replaces: that is when the original was complete, so timing keeps its meaning. Chunks
// left empty are dropped.
void ApplyEdits(std::vector<mocks::CassetteChunk>& chunks, const std::vector<Edit>& edits) {
  std::vector<mocks::CassetteChunk> out;
  std::size_t chunk_begin = 0;
  std::size_t e = 0;
  for (mocks::CassetteChunk& chunk : chunks) {
    const std::size_t chunk_end = chunk_begin + chunk.bytes.size();
    std::string bytes;
    std::size_t p = chunk_begin;
    while (p < chunk_end) {
      if (e < edits.size() && edits[e].begin <= p) {
        const std::size_t stop = std::min(chunk_end, edits[e].end);
        if (edits[e].end <= chunk_end) bytes += edits[e++].text;
        p = stop;
      } else {
        const std::size_t next = e < edits.size() ? std::min(chunk_end, edits[e].begin) : chunk_end;
        bytes.append(chunk.bytes, p - chunk_begin, next - p);
        p = next;
      }
    }
    chunk_begin = chunk_end;
    if (!bytes.empty()) out.push_back({chunk.at, std::move(bytes)});
  }
  chunks = std::move(out);
}

// The JSON of each `data:` line whose redaction changes it.
std::vector<Edit> SseEdits(std::string_view body, std::span<const std::string> fields,
                           std::set<std::string>& redacted) {
  std::vector<Edit> edits;
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t end = body.find_first_of("\r\n", start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(start, end - start);
    if (line.starts_with("data:")) {
      std::size_t value = start + 5;
      if (value < end && body[value] == ' ') ++value;
      if (auto replaced = RedactJsonFields(body.substr(value, end - value), fields, redacted)) {
        edits.push_back({value, end, std::move(*replaced)});
      }
    }
    start = end + 1;
    if (end < body.size() && body[end] == '\r' && start < body.size() && body[start] == '\n') {
      ++start;
    }
  }
  return edits;
}

}  // namespace

std::span<const std::string_view> CredentialHeaders() { return kCredentialHeaders; }

std::optional<std::string> RedactJsonFields(std::string_view json,
                                            std::span<const std::string> fields,
                                            std::set<std::string>& redacted) {
  if (fields.empty()) return std::nullopt;
  const std::size_t first = json.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || (json[first] != '{' && json[first] != '[')) {
    return std::nullopt;
  }
  rapidjson::StringBuffer buffer;
  RedactingHandler::Writer writer(buffer);
  std::set<std::string> found;
  RedactingHandler handler(writer, fields, found);
  rapidjson::MemoryStream stream(json.data(), json.size());
  rapidjson::Reader reader;
  constexpr unsigned kFlags = rapidjson::kParseIterativeFlag |
                              rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseNumbersAsStringsFlag;
  if (reader.Parse<kFlags>(stream, handler).IsError() || !handler.changed()) return std::nullopt;
  redacted.insert(found.begin(), found.end());
  return std::string(buffer.GetString(), buffer.GetSize());
}

void RedactRequest(mocks::CassetteRequest& request, const RedactionRules& rules,
                   std::set<std::string>& redacted) {
  RedactHeaders(request.headers, rules, redacted);
  RedactQuery(request.target, rules, redacted);
  if (auto body = RedactJsonFields(request.body, rules.json_fields, redacted)) {
    request.body = std::move(*body);
  }
}

void RedactResponse(mocks::CassetteResponse& response, const RedactionRules& rules,
                    std::set<std::string>& redacted) {
  RedactHeaders(response.headers, rules, redacted);
  if (rules.json_fields.empty() || response.chunks.empty()) return;
  const std::string body = ResponseBody(response);
  std::vector<Edit> edits;
  if (IsEventStream(response)) {
    edits = SseEdits(body, rules.json_fields, redacted);
  } else if (auto replaced = RedactJsonFields(body, rules.json_fields, redacted)) {
    edits.push_back({0, body.size(), std::move(*replaced)});
  }
  if (!edits.empty()) ApplyEdits(response.chunks, edits);
}

void RedactCassette(mocks::Cassette& cassette, const RedactionRules& rules) {
  std::set<std::string> redacted(cassette.redacted.begin(), cassette.redacted.end());
  for (mocks::CassetteExchange& exchange : cassette.exchanges) {
    RedactRequest(exchange.request, rules, redacted);
    RedactResponse(exchange.response, rules, redacted);
  }
  cassette.redacted.assign(redacted.begin(), redacted.end());
}

std::vector<std::string> RedactionNames(const RedactionRules& rules) {
  std::set<std::string> names;
  for (std::string_view h : kCredentialHeaders) names.insert(Lower(h));
  for (const std::string& h : rules.headers) names.insert(Lower(h));
  names.insert(rules.json_fields.begin(), rules.json_fields.end());
  return {names.begin(), names.end()};
}

bool LooksLikeSecret(std::string_view text) {
  const auto is_key_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  };
  for (std::size_t at = text.find("sk-"); at != std::string_view::npos;
       at = text.find("sk-", at + 1)) {
    if (at > 0 && is_key_char(text[at - 1]) && text[at - 1] != '-') continue;  // inside a word
    std::size_t n = at + 3;
    while (n < text.size() && is_key_char(text[n])) ++n;
    if (n - (at + 3) >= 20) return true;
  }
  return false;
}

}  // namespace agentreplay::harness
