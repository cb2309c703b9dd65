#include "mocks/server/wire_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <utility>

namespace agentreplay::mocks {
namespace {

// What follows a chunk's data, and that plus the terminator (the last chunk of a body).
constexpr std::string_view kChunkEnd = "\r\n";
constexpr std::string_view kChunkEndTerminator = "\r\n0\r\n\r\n";

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

// The framing headers are the server's business; a mock that set them would contradict it.
bool IsFramingHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "transfer-encoding") ||
         EqualsIgnoreCase(name, "connection");
}

Duration Scale(Duration d, double time_scale) {
  if (time_scale == 1.0) return d;
  return Duration(std::llround(static_cast<double>(d.count()) * time_scale));
}

}  // namespace

bool IsEventStream(const HttpHeaders& headers) {
  const auto type = FindHeader(headers, "content-type");
  if (!type) return false;
  const std::string_view prefix = "text/event-stream";
  return type->size() >= prefix.size() && EqualsIgnoreCase(type->substr(0, prefix.size()), prefix);
}

std::string FormatHead(int status, const HttpHeaders& headers, const HttpHeaders& extra) {
  std::string head = fmt::format("HTTP/1.1 {} {}\r\n", status, ReasonPhrase(status));
  auto append = [&head](const HttpHeader& h) {
    head.append(h.name).append(": ").append(h.value).append("\r\n");
  };
  for (const auto& h : headers) {
    if (!IsFramingHeader(h.name)) append(h);
  }
  for (const auto& h : extra) append(h);
  head.append("\r\n");
  return head;
}

void AppendChunk(std::string& out, std::string_view data) {
  if (data.empty()) return;
  fmt::format_to(std::back_inserter(out), "{:x}\r\n", data.size());
  out.append(data);
  out.append("\r\n");
}

std::string_view RandomDataBytes() {
  // A fixed xorshift sequence: looks like noise, is the same in every process.
  static const std::string bytes = [] {
    std::string out(96, '\0');
    uint32_t x = 0x9e3779b9u;
    for (char& c : out) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      c = static_cast<char>(x & 0xffu);
    }
    out[0] = '\x16';  // never 'H': no parser can mistake it for "HTTP/1.1 ..."
    return out;
  }();
  return bytes;
}

WireStream::WireStream(MockResponse response, double time_scale, bool client_keep_alive,
                       int http_version)
    : response_(std::move(response)), time_scale_(time_scale), ended_(false) {
  if (auto id = FindHeader(response_.headers, "x-request-id")) request_id_ = std::string(*id);
  const WireFault fault = response_.fault;
  fault_at_ = Scale(response_.fault_at, time_scale);

  // Faults that replace the whole response.
  if (fault == WireFault::kEmptyResponse || fault == WireFault::kRandomDataThenClose) {
    keep_alive_ = false;
    WireSegment segment;
    segment.at = fault_at_;
    segment.action = WireAction::kFin;
    if (fault == WireFault::kRandomDataThenClose) segment.payload = std::string(RandomDataBytes());
    Push(std::move(segment));
    response_.chunks.clear();
    response_.lazy.reset();
    ended_ = true;
    return;
  }

  const bool has_fault = fault != WireFault::kNone;
  const bool unbounded = IsEventStream(response_.headers) || fault == WireFault::kMalformedChunk;
  const bool http10 = http_version < 11;
  chunked_ = unbounded && !http10;
  close_delimited_ = unbounded && http10;
  // Toxiproxy's slow_close: the body is complete, the close comes late.
  slow_close_ = !has_fault && response_.close_delay > Duration::zero();
  const bool closes = !client_keep_alive || slow_close_ || close_delimited_;
  keep_alive_ = !closes && !has_fault;

  HttpHeaders extra;
  if (chunked_) {
    extra.push_back({"transfer-encoding", "chunked"});
  } else if (close_delimited_) {
    // No framing header at all: the body is what arrives before the FIN.
  } else {
    Materialize(response_);  // Content-Length needs the whole body
    size_t length = 0;
    for (const auto& chunk : response_.chunks) length += chunk.bytes.size();
    extra.push_back({"content-length", std::to_string(length)});
  }
  if (closes) {
    extra.push_back({"connection", "close"});
  } else if (http10) {
    extra.push_back({"connection", "keep-alive"});  // else an HTTP/1.0 client waits for a FIN
  }

  // Steps due after the fault are cut, except that a malformed chunk always follows the head.
  cuts_ = fault == WireFault::kConnectionReset || fault == WireFault::kClose ||
          fault == WireFault::kStall || fault == WireFault::kMalformedChunk;
  const Duration head_at = Scale(response_.headers_at, time_scale);
  if (Sent(head_at) || fault == WireFault::kMalformedChunk) {
    last_ = head_at;
    WireSegment head;
    head.at = head_at;
    head.payload = FormatHead(response_.status, response_.headers, extra);
    Push(std::move(head));
    in_body_ = true;
  }
}

bool WireStream::Next(WireSegment& segment) {
  // The newest segment may still take the terminator or the FIN: hand it out only once the
  // one after it (or the end) is known.
  while (!ended_ && queue_.size() < 2) Advance();
  if (queue_.empty()) return false;
  segment = std::move(queue_.front());
  queue_.erase(queue_.begin());  // two or three segments at most: cheaper than a deque
  return true;
}

void WireStream::Push(WireSegment segment) { queue_.push_back(std::move(segment)); }

bool WireStream::PullChunk(TimedChunk& chunk) {
  if (next_chunk_ < response_.chunks.size()) {
    chunk = std::move(response_.chunks[next_chunk_++]);
    return true;
  }
  return response_.lazy != nullptr && response_.lazy->Next(chunk);
}

void WireStream::Advance() {
  TimedChunk chunk;
  while (in_body_ && PullChunk(chunk)) {
    const Duration at = std::max(Scale(chunk.at, time_scale_), last_);
    if (!Sent(at)) break;
    if (chunk.bytes.empty()) continue;  // an empty HTTP chunk would end the body
    body_ += chunk.bytes.size();
    WireSegment segment;
    segment.at = at;
    segment.carries_body = true;
    segment.body_end = body_;
    if (chunked_) {
      const auto end = fmt::format_to_n(segment.prefix.data(), segment.prefix.size(), "{:x}\r\n",
                                        chunk.bytes.size());
      segment.prefix_size = static_cast<uint8_t>(end.size);
      segment.suffix = kChunkEnd;
    }
    segment.payload = std::move(chunk.bytes);
    Push(std::move(segment));
    last_ = at;
    return;
  }
  // The body has ended, or the fault cut it: what is left is not sent.
  in_body_ = false;
  response_.chunks = {};
  response_.lazy.reset();
  End();
  ended_ = true;
}

void WireStream::End() {
  switch (response_.fault) {
    case WireFault::kNone: {
      WireSegment& last = queue_.back();
      // The terminator travels with the last event, as the API sends it.
      if (chunked_) last.suffix = last.suffix.empty() ? kChunkedTerminator : kChunkEndTerminator;
      if (slow_close_) {
        WireSegment close;
        close.at = last_ + Scale(response_.close_delay, time_scale_);
        close.action = WireAction::kFin;
        Push(std::move(close));
      } else if (!keep_alive_) {
        last.action = WireAction::kFin;
      }
      break;
    }
    case WireFault::kMalformedChunk: {
      WireSegment segment;
      segment.at = std::max(fault_at_, last_);
      segment.action = WireAction::kFin;
      segment.payload = std::string(kMalformedChunkBytes);
      Push(std::move(segment));
      break;
    }
    case WireFault::kConnectionReset:
    case WireFault::kClose:
    case WireFault::kStall: {
      WireSegment segment;
      segment.at = std::max(fault_at_, last_);
      segment.action = response_.fault == WireFault::kConnectionReset ? WireAction::kReset
                       : response_.fault == WireFault::kClose         ? WireAction::kFin
                                                                      : WireAction::kStall;
      Push(std::move(segment));
      break;
    }
    case WireFault::kEmptyResponse:
    case WireFault::kRandomDataThenClose:
      break;  // handled by the constructor
  }
}

WirePlan PlanWire(MockResponse response, double time_scale, bool client_keep_alive,
                  int http_version) {
  WireStream stream(std::move(response), time_scale, client_keep_alive, http_version);
  WirePlan plan;
  plan.request_id = stream.request_id();
  plan.keep_alive = stream.keep_alive();
  WireSegment segment;
  while (stream.Next(segment)) {
    WireStep step{segment.at, segment.action, {}, segment.carries_body, segment.body_end};
    step.bytes.reserve(segment.size());
    step.bytes.append(segment.prefix_view()).append(segment.payload).append(segment.suffix);
    plan.steps.push_back(std::move(step));
  }
  return plan;
}

}  // namespace agentreplay::mocks
