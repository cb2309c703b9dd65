#include "mocks/server/wire_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <utility>

namespace agentreplay::mocks {
namespace {

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

WirePlan PlanWire(MockResponse response, double time_scale, bool client_keep_alive) {
  WirePlan plan;
  if (auto id = FindHeader(response.headers, "x-request-id")) plan.request_id = std::string(*id);
  const WireFault fault = response.fault;
  const Duration fault_at = Scale(response.fault_at, time_scale);

  // Faults that replace the whole response.
  if (fault == WireFault::kEmptyResponse || fault == WireFault::kRandomDataThenClose) {
    plan.keep_alive = false;
    plan.steps.push_back(WireStep{
        fault_at, WireAction::kFin,
        fault == WireFault::kRandomDataThenClose ? std::string(RandomDataBytes()) : std::string()});
    return plan;
  }

  const bool has_fault = fault != WireFault::kNone;
  const bool chunked = IsEventStream(response.headers) || fault == WireFault::kMalformedChunk;
  // Toxiproxy's slow_close: the body is complete, the close comes late.
  const bool slow_close = !has_fault && response.close_delay > Duration::zero();
  plan.keep_alive = client_keep_alive && !has_fault && !slow_close;

  HttpHeaders extra;
  if (chunked) {
    extra.push_back({"transfer-encoding", "chunked"});
  } else {
    size_t length = 0;
    for (const auto& chunk : response.chunks) length += chunk.bytes.size();
    extra.push_back({"content-length", std::to_string(length)});
  }
  if (!client_keep_alive || slow_close) extra.push_back({"connection", "close"});

  // Steps due after the fault are cut, except that a malformed chunk always follows the head.
  const bool cuts = fault == WireFault::kConnectionReset || fault == WireFault::kClose ||
                    fault == WireFault::kStall || fault == WireFault::kMalformedChunk;
  const Duration head_at = Scale(response.headers_at, time_scale);
  auto sent = [&](Duration at) { return !cuts || at <= fault_at; };

  Duration last{0};
  if (sent(head_at) || fault == WireFault::kMalformedChunk) {
    last = head_at;
    plan.steps.push_back(WireStep{head_at, WireAction::kWrite,
                                  FormatHead(response.status, response.headers, extra), false, 0});
    uint64_t body = 0;
    for (auto& chunk : response.chunks) {
      const Duration at = std::max(Scale(chunk.at, time_scale), last);
      if (!sent(at)) break;
      if (chunk.bytes.empty()) continue;  // an empty HTTP chunk would end the body
      body += chunk.bytes.size();
      WireStep step{at, WireAction::kWrite, {}, true, body};
      if (chunked) {
        step.bytes.reserve(chunk.bytes.size() + 12);
        AppendChunk(step.bytes, chunk.bytes);
      } else {
        step.bytes = std::move(chunk.bytes);
      }
      plan.steps.push_back(std::move(step));
      last = at;
    }
  }

  switch (fault) {
    case WireFault::kNone:
      // The terminator travels with the last event, as the API sends it.
      if (chunked) plan.steps.back().bytes.append(kChunkedTerminator);
      if (slow_close) {
        plan.steps.push_back(WireStep{
            last + Scale(response.close_delay, time_scale), WireAction::kFin, {}, false, 0});
      } else if (!plan.keep_alive) {
        plan.steps.back().action = WireAction::kFin;
      }
      break;
    case WireFault::kMalformedChunk:
      plan.steps.push_back(WireStep{std::max(fault_at, last), WireAction::kFin,
                                    std::string(kMalformedChunkBytes), false, 0});
      break;
    case WireFault::kConnectionReset:
      plan.steps.push_back(WireStep{std::max(fault_at, last), WireAction::kReset, {}, false, 0});
      break;
    case WireFault::kClose:
      plan.steps.push_back(WireStep{std::max(fault_at, last), WireAction::kFin, {}, false, 0});
      break;
    case WireFault::kStall:
      plan.steps.push_back(WireStep{std::max(fault_at, last), WireAction::kStall, {}, false, 0});
      break;
    case WireFault::kEmptyResponse:
    case WireFault::kRandomDataThenClose:
      break;  // handled above
  }
  return plan;
}

}  // namespace agentreplay::mocks
