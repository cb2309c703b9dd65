// Incremental Server-Sent Events decoder following the WHATWG EventSource parsing rules.
//
// Bytes are fed in whatever pieces the network delivers; complete events are appended to the
// caller's vector as soon as their terminating blank line arrives. Only the current, unfinished
// line and event are buffered, never the stream; and they are bounded: an event (or a line) that
// grows past max_event_bytes stops the decoder (overflowed()), so an endpoint that streams one
// endless line cannot make the agent hold it all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentreplay {

struct SseEvent {
  std::string type;  // the `event` field; "message" when the event had none
  std::string data;  // `data` lines joined with "\n" (the final newline removed)
  std::string id;    // the last event ID in force when this event was dispatched
};

// 16 MiB: the largest events of the APIs (a response.completed that echoes a long answer, its
// tools and instructions) are well under a megabyte.
inline constexpr std::size_t kMaxSseEventBytes = std::size_t{16} << 20;

class SseDecoder {
 public:
  explicit SseDecoder(std::size_t max_event_bytes = kMaxSseEventBytes)
      : max_event_bytes_(max_event_bytes) {}

  // Decodes `bytes` and appends every event completed by them to `out`.
  void Feed(std::string_view bytes, std::vector<SseEvent>& out);
  // The stream ended. Per the specification an event without its terminating blank line is
  // discarded; returns true when such an incomplete event (or line) was pending, which callers
  // use to tell a truncated stream from a clean end.
  bool Finish();

  // The reconnection time the stream asked for with `retry`, if any.
  std::optional<int64_t> retry_ms() const { return retry_ms_; }
  const std::string& last_event_id() const { return last_event_id_; }
  uint64_t bytes_consumed() const { return bytes_consumed_; }
  // An event or line grew past max_event_bytes; Feed ignores everything after it.
  bool overflowed() const { return overflowed_; }
  std::size_t max_event_bytes() const { return max_event_bytes_; }

 private:
  // Consumes the bytes of a possible leading BOM; returns what is left of `bytes` after it.
  std::string_view SkipBom(std::string_view bytes);
  void ProcessLine(std::string_view line, std::vector<SseEvent>& out);
  void ProcessField(std::string_view field, std::string_view value);
  void Dispatch(std::vector<SseEvent>& out);

  std::string line_;           // bytes of the current line not yet terminated
  std::string data_;           // data buffer of the event being built
  std::string event_type_;     // event type buffer
  std::string last_event_id_;  // last event ID buffer
  std::optional<int64_t> retry_ms_;
  uint64_t bytes_consumed_ = 0;
  bool event_pending_ = false;  // any field seen since the last dispatch
  bool after_cr_ = false;       // the previous byte was a CR (a following LF is the same end)
  int bom_state_ = 0;           // bytes of a leading UTF-8 BOM matched so far; -1 once decided
  std::size_t max_event_bytes_;
  bool overflowed_ = false;
};

}  // namespace agentreplay
