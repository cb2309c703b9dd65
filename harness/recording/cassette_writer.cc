#include "harness/recording/cassette_writer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <system_error>
#include <utility>

#include "harness/recording/cassette_format.h"
#include "harness/scenario/json_locator.h"
#include "json/json_text.h"
#include "tools/base64.h"

namespace agentreplay::harness {
namespace {

using json::Writer;

// A body embedded as JSON sits three levels down in its line (line, request, body), and the
// reader refuses lines deeper than kMaxJsonDepth.
constexpr std::size_t kMaxEmbeddedDepth = kMaxJsonDepth - 4;

void Text(Writer& w, std::string_view s) { json::String(w, ToValidUtf8(s)); }

void Millis(Writer& w, std::string_view key, Duration d) {
  json::Key(w, key);
  const std::string ms = FormatMillis(d);
  w.RawValue(ms.data(), ms.size(), rapidjson::kNumberType);
}

// Whether `body` is JSON exactly as this writer would print it, so that embedding it as a JSON
// value (readable with jq) and printing it back on reading gives the same bytes. Anything else
// (pretty-printed, escaped differently, numbers spelled differently) is kept as text: a cassette
// holds the exact bytes that were sent.
bool IsCompactJson(std::string_view body) {
  if (body.empty() || (body.front() != '{' && body.front() != '[')) return false;
  if (JsonNestingDepth(body) > kMaxEmbeddedDepth) return false;
  rapidjson::Document doc;
  constexpr unsigned kFlags =
      rapidjson::kParseValidateEncodingFlag | rapidjson::kParseFullPrecisionFlag;
  return !json::ParseDocument<kFlags>(body, doc) && json::Compact(doc) == body;
}

// {"json": value} | {"text": "..."} | {"base64": "..."}: the three spellings of a body or chunk.
void BodyValue(Writer& w, std::string_view bytes, bool allow_json) {
  w.StartObject();
  if (allow_json && IsCompactJson(bytes)) {
    json::Key(w, "json");
    w.RawValue(bytes.data(), bytes.size(),
               bytes.front() == '{' ? rapidjson::kObjectType : rapidjson::kArrayType);
  } else if (IsValidUtf8(bytes)) {
    json::Key(w, "text");
    json::String(w, bytes);
  } else {
    json::Key(w, "base64");
    json::String(w, Base64Encode(bytes));
  }
  w.EndObject();
}

void Headers(Writer& w, const HttpHeaders& headers) {
  json::Key(w, "headers");
  w.StartArray();
  for (const HttpHeader& h : headers) {
    w.StartArray();
    Text(w, h.name);
    Text(w, h.value);
    w.EndArray();
  }
  w.EndArray();
}

void Request(Writer& w, const mocks::CassetteRequest& request) {
  w.StartObject();
  json::Key(w, "method");
  Text(w, request.method);
  json::Key(w, "target");
  Text(w, request.target);
  Headers(w, request.headers);
  if (!request.body.empty()) {
    json::Key(w, "body");
    BodyValue(w, request.body, /*allow_json=*/true);
  }
  w.EndObject();
}

void Response(Writer& w, const mocks::CassetteResponse& response) {
  w.StartObject();
  json::Key(w, "status");
  w.Int(response.status);
  Headers(w, response.headers);
  Millis(w, "headers_at_ms", response.headers_at);
  json::Key(w, "chunks");
  w.StartArray();
  for (const mocks::CassetteChunk& chunk : response.chunks) {
    // A chunk is a piece of a byte stream, so it is text or base64, never re-spelled JSON.
    w.StartObject();
    Millis(w, "at_ms", chunk.at);
    if (IsValidUtf8(chunk.bytes)) {
      json::Key(w, "text");
      json::String(w, chunk.bytes);
    } else {
      json::Key(w, "base64");
      json::String(w, Base64Encode(chunk.bytes));
    }
    w.EndObject();
  }
  w.EndArray();
  Millis(w, "end_at_ms", response.end_at);
  if (!response.error.empty()) {
    json::Key(w, "error");
    Text(w, response.error);
  }
  w.EndObject();
}

std::string Line(const rapidjson::StringBuffer& buffer) {
  std::string line(buffer.GetString(), buffer.GetSize());
  line += '\n';
  return line;
}

// Optional members are left out when empty, so that reading (which defaults them to empty) and
// writing again gives the same bytes.
void OptionalText(Writer& w, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  json::Key(w, key);
  Text(w, value);
}

std::string SystemError(int error) { return std::generic_category().message(error); }

// write() until everything is out: one call in practice, more only after a signal or a short
// write on a full disk.
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::string CassetteHeaderLine(const mocks::Cassette& cassette) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  json::Key(w, "schema");
  json::String(w, mocks::kCassetteSchemaV1);
  json::Key(w, "name");
  Text(w, cassette.name);
  OptionalText(w, "description", cassette.description);
  json::Key(w, "runtime");
  Text(w, cassette.runtime);
  OptionalText(w, "model", cassette.model);
  const mocks::CassetteSource& source = cassette.source;
  if (!source.kind.empty() || !source.origin.empty() || !source.recorded_at.empty() ||
      source.timing_derived || !source.pace.empty()) {
    json::Key(w, "source");
    w.StartObject();
    json::Key(w, "kind");
    Text(w, source.kind);
    OptionalText(w, "origin", source.origin);
    OptionalText(w, "recorded_at", source.recorded_at);
    json::Key(w, "timing_derived");
    w.Bool(source.timing_derived);
    OptionalText(w, "pace", source.pace);
    w.EndObject();
  }
  if (!cassette.redacted.empty()) {
    json::Key(w, "redacted");
    w.StartArray();
    for (const std::string& name : cassette.redacted) Text(w, name);
    w.EndArray();
  }
  w.EndObject();
  return Line(buffer);
}

std::string CassetteExchangeLine(const mocks::CassetteExchange& exchange) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  OptionalText(w, "conversation", exchange.conversation);
  Millis(w, "sent_at_ms", exchange.sent_at);
  json::Key(w, "request");
  Request(w, exchange.request);
  json::Key(w, "response");
  Response(w, exchange.response);
  w.EndObject();
  return Line(buffer);
}

std::string CassetteText(const mocks::Cassette& cassette) {
  std::string text = CassetteHeaderLine(cassette);
  for (const auto& exchange : cassette.exchanges) text += CassetteExchangeLine(exchange);
  return text;
}

Status WriteCassetteFile(const mocks::Cassette& cassette, const std::filesystem::path& path) {
  if (Status ok = CheckCassette(cassette, path.string()); !ok) return ok;
  const std::string text = CassetteText(cassette);
  std::filesystem::path temp = path;
  temp += ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return FailIn(path.string(), "cannot create file: " + SystemError(errno));
  const bool written = WriteAll(fd, text) && ::fsync(fd) == 0;
  const int write_error = errno;
  const bool closed = ::close(fd) == 0;
  if (!written || !closed) {
    ::unlink(temp.c_str());
    return FailIn(path.string(),
                  "cannot write file: " + SystemError(written ? errno : write_error));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int rename_error = errno;
    ::unlink(temp.c_str());
    return FailIn(path.string(), "cannot replace file: " + SystemError(rename_error));
  }
  return {};
}

Expected<CassetteWriter> CassetteWriter::Open(const std::filesystem::path& path,
                                              const mocks::Cassette& header,
                                              CassetteWriterOptions options) {
  if (auto problems = HeaderProblems(header); !problems.empty()) {
    return FailIn(path.string(), "cannot record: " + problems.front());
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return FailIn(path.string(), "cannot create file: " + SystemError(errno));
  CassetteWriter writer(fd, path, options);
  if (Status s = writer.WriteLine(CassetteHeaderLine(header)); !s) return s.failure();
  return writer;
}

CassetteWriter::CassetteWriter(CassetteWriter&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      options_(other.options_),
      exchanges_written_(other.exchanges_written_) {}

CassetteWriter& CassetteWriter::operator=(CassetteWriter&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    options_ = other.options_;
    exchanges_written_ = other.exchanges_written_;
  }
  return *this;
}

CassetteWriter::~CassetteWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status CassetteWriter::WriteLine(const std::string& line) {
  if (fd_ < 0) return FailIn(path_.string(), "cannot write: the cassette is closed");
  if (!WriteAll(fd_, line)) return FailIn(path_.string(), "cannot write: " + SystemError(errno));
  if (options_.fsync && ::fsync(fd_) != 0) {
    return FailIn(path_.string(), "cannot flush to disk: " + SystemError(errno));
  }
  return {};
}

Status CassetteWriter::Append(const mocks::CassetteExchange& exchange) {
  if (auto problems = ExchangeProblems(exchange); !problems.empty()) {
    return FailIn(path_.string(), fmt::format("cannot append {} {}: {}", exchange.request.method,
                                              exchange.request.target, problems.front()));
  }
  Status status = WriteLine(CassetteExchangeLine(exchange));
  if (status) ++exchanges_written_;
  return status;
}

Status CassetteWriter::Close() {
  if (fd_ < 0) return {};
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) return FailIn(path_.string(), "cannot close: " + SystemError(errno));
  return {};
}

}  // namespace agentreplay::harness
