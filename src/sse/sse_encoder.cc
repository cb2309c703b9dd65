#include "sse/sse_encoder.h"

namespace agentreplay {
namespace {

// Calls `emit` with every line of `text`. CR, LF and CRLF all end a line, as in the SSE
// grammar: a bare CR left inside a data line would be read as a line end by the decoder and
// corrupt the event, so it is split here too. The text after the last terminator is a line
// of its own (possibly empty), so "a\n" yields "a" and "", and decodes back to "a\n".
template <typename Emit>
void ForEachLine(std::string_view text, Emit emit) {
  size_t start = 0;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\n' || c == '\r') {
      emit(text.substr(start, i - start));
      i += (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ? size_t{2} : size_t{1};
      start = i;
    } else {
      ++i;
    }
  }
  emit(text.substr(start));
}

}  // namespace

void AppendSseEvent(std::string& out, std::string_view type, std::string_view data) {
  out.reserve(out.size() + type.size() + data.size() + 16);
  if (!type.empty()) {
    out.append("event: ");
    out.append(type);
    out.push_back('\n');
  }
  ForEachLine(data, [&out](std::string_view line) {
    out.append("data: ");
    out.append(line);
    out.push_back('\n');
  });
  out.push_back('\n');
}

std::string EncodeSseEvent(std::string_view type, std::string_view data) {
  std::string out;
  AppendSseEvent(out, type, data);
  return out;
}

void AppendSseComment(std::string& out, std::string_view text) {
  ForEachLine(text, [&out](std::string_view line) {
    out.append(": ");
    out.append(line);
    out.push_back('\n');
  });
  out.push_back('\n');
}

}  // namespace agentreplay
