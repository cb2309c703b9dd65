#include "sse/sse_decoder.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <system_error>
#include <utility>

namespace agentreplay {
namespace {

constexpr char kBom[] = "\xEF\xBB\xBF";
constexpr int kBomSize = 3;

// Returns the first occurrence of `c` in [from, end), or `end`.
const char* FindByte(const char* from, const char* end, char c) {
  const void* hit = std::memchr(from, c, static_cast<size_t>(end - from));
  return hit != nullptr ? static_cast<const char*>(hit) : end;
}

bool IsAllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string_view SseDecoder::SkipBom(std::string_view bytes) {
  size_t i = 0;
  while (bom_state_ >= 0 && bom_state_ < kBomSize && i < bytes.size()) {
    if (bytes[i] != kBom[bom_state_]) {
      // Not a BOM after all: the bytes matched so far (in an earlier chunk, possibly) are the
      // start of the first line. None of them is CR or LF, so they belong in the line buffer.
      line_.append(kBom, static_cast<size_t>(bom_state_));
      bom_state_ = -1;
      break;
    }
    ++bom_state_;
    ++i;
  }
  if (bom_state_ == kBomSize) bom_state_ = -1;
  return bytes.substr(i);
}

void SseDecoder::Feed(std::string_view bytes, std::vector<SseEvent>& out) {
  if (overflowed_) return;
  bytes_consumed_ += bytes.size();
  if (bom_state_ >= 0) {
    bytes = SkipBom(bytes);
    // Still undecided (the chunk ended inside a possible BOM): nothing else to do yet.
    if (bom_state_ >= 0) return;
  }
  if (bytes.empty()) return;

  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  if (after_cr_) {
    after_cr_ = false;
    if (*p == '\n') ++p;
  }

  // Each terminator is located with memchr. The position of the next CR and of the next LF are
  // remembered, so a byte that never occurs (CR, in practice) costs one scan per chunk instead
  // of one per line.
  const char* next_lf = FindByte(p, end, '\n');
  const char* next_cr = FindByte(p, end, '\r');
  while (p < end) {
    if (next_lf < p) next_lf = FindByte(p, end, '\n');
    if (next_cr < p) next_cr = FindByte(p, end, '\r');
    const char* const eol = std::min(next_lf, next_cr);
    if (eol == end) {
      if (static_cast<size_t>(end - p) >
          max_event_bytes_ - std::min(max_event_bytes_, line_.size() + data_.size())) {
        overflowed_ = true;
        return;
      }
      line_.append(p, static_cast<size_t>(end - p));
      break;
    }
    const std::string_view piece(p, static_cast<size_t>(eol - p));
    if (line_.empty()) {
      // The whole line is inside this chunk: parse it in place, without copying.
      ProcessLine(piece, out);
    } else {
      line_.append(piece);
      ProcessLine(line_, out);
      line_.clear();
    }
    if (overflowed_) return;
    p = eol + 1;
    if (*eol == '\r') {
      if (p == end) {
        after_cr_ = true;  // the LF of a CRLF may open the next chunk
      } else if (*p == '\n') {
        ++p;
      }
    }
  }
}

bool SseDecoder::Finish() {
  const bool pending = !line_.empty() || event_pending_ || bom_state_ > 0;
  line_.clear();
  data_.clear();
  event_type_.clear();
  event_pending_ = false;
  after_cr_ = false;
  // A later Feed is a new stream (a reconnection): it may start with its own BOM. The last event
  // ID and the retry time carry over, as they do for an EventSource.
  bom_state_ = 0;
  return pending;
}

void SseDecoder::ProcessLine(std::string_view line, std::vector<SseEvent>& out) {
  if (overflowed_) return;
  if (line.empty()) {
    Dispatch(out);
    return;
  }
  if (line.front() == ':') return;  // comment
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    ProcessField(line, {});
    return;
  }
  std::string_view value = line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  ProcessField(line.substr(0, colon), value);
}

void SseDecoder::ProcessField(std::string_view field, std::string_view value) {
  event_pending_ = true;
  if (field == "data") {
    if (value.size() + 1 > max_event_bytes_ - std::min(max_event_bytes_, data_.size())) {
      overflowed_ = true;
      return;
    }
    // Grow geometrically but at least enough for this line and its "\n": a plain append of a
    // long value allocates exactly its size, and the "\n" would then reallocate.
    const size_t needed = data_.size() + value.size() + 1;
    if (needed > data_.capacity()) data_.reserve(std::max(needed, 2 * data_.capacity()));
    data_.append(value);
    data_.push_back('\n');
  } else if (field == "event") {
    event_type_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_event_id_.assign(value);
  } else if (field == "retry") {
    int64_t ms = 0;
    // The specification leaves values beyond int64 undefined; they are ignored like other
    // unusable values rather than wrapped or clamped.
    if (IsAllDigits(value)) {
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
      if (ec == std::errc() && ptr == value.data() + value.size()) retry_ms_ = ms;
    }
  }
}

void SseDecoder::Dispatch(std::vector<SseEvent>& out) {
  event_pending_ = false;
  if (data_.empty()) {
    event_type_.clear();
    return;
  }
  data_.pop_back();  // the "\n" of the last data line
  SseEvent& event = out.emplace_back();
  event.type = event_type_.empty() ? std::string("message") : std::move(event_type_);
  event.data = std::move(data_);
  event.id = last_event_id_;
  // Moved-from strings are valid but unspecified; make them empty explicitly.
  data_.clear();
  event_type_.clear();
}

}  // namespace agentreplay
