#include "harness/scenario/json_locator.h"

#include <fmt/format.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <utility>

namespace agentreplay::harness {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Iterative parsing keeps a file of deeply nested brackets from exhausting the stack; encoding
// validation turns invalid UTF-8 into a diagnostic rather than garbage in the scenario.
constexpr unsigned kParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

// What may lie between the end of one SAX event and the start of the next value or member name.
// Closers are included because the iterative reader reports EndObject/EndArray before it
// consumes the bracket.
bool IsBetweenTokens(char c) {
  switch (c) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case ',':
    case ':':
    case '}':
    case ']':
      return true;
    default:
      return false;
  }
}

// Undoes RFC 6901 escaping ("~1" is '/', "~0" is '~'); nullopt for a stray '~'.
std::optional<std::string> UnescapeToken(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] != '~') {
      out.push_back(token[i]);
    } else if (i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out.push_back(token[++i] == '0' ? '~' : '/');
    } else {
      return std::nullopt;
    }
  }
  return out;
}

// An array index token: digits without a leading zero (RFC 6901).
std::optional<std::size_t> ParseIndex(std::string_view token) {
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return std::nullopt;
  std::size_t index = 0;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
  if (ec != std::errc() || end != token.data() + token.size()) return std::nullopt;
  return index;
}

}  // namespace

// Forwards SAX events to the Document while recording where values and member names start.
//
// The reader reports a scalar or a member name after reading it, so Tell() then points past it.
// A token's start is found by scanning forward from where the previous event left off: only
// whitespace and separators can lie in between. Each byte is scanned once, and each value adds
// one node, so the pass stays linear.
class LocatingHandler {
 public:
  LocatingHandler(rapidjson::Document& doc, const rapidjson::MemoryStream& stream,
                  std::string_view text, std::size_t base, JsonLocator& locator)
      : doc_(doc), stream_(stream), text_(text), base_(base), locator_(locator) {}

  bool Null() { return Leaf() && doc_.Null(); }
  bool Bool(bool b) { return Leaf() && doc_.Bool(b); }
  bool Int(int i) { return Leaf() && doc_.Int(i); }
  bool Uint(unsigned u) { return Leaf() && doc_.Uint(u); }
  bool Int64(int64_t i) { return Leaf() && doc_.Int64(i); }
  bool Uint64(uint64_t u) { return Leaf() && doc_.Uint64(u); }
  bool Double(double d) { return Leaf() && doc_.Double(d); }
  bool RawNumber(const char* str, rapidjson::SizeType length, bool copy) {
    return Leaf() && doc_.RawNumber(str, length, copy);
  }
  bool String(const char* str, rapidjson::SizeType length, bool copy) {
    return Leaf() && doc_.String(str, length, copy);
  }
  bool StartObject() { return OpenContainer(/*is_array=*/false) && doc_.StartObject(); }
  bool Key(const char* str, rapidjson::SizeType length, bool copy) {
    Frame& frame = frames_.back();
    frame.key_offset = NextTokenStart();
    frame.name_begin = locator_.names_.size();
    frame.name_size = length;
    frame.key_pending = true;
    locator_.names_.append(str, length);
    scan_from_ = stream_.Tell();
    return doc_.Key(str, length, copy);
  }
  bool EndObject(rapidjson::SizeType member_count) {
    RecordDuplicates();
    CloseContainer();
    return doc_.EndObject(member_count);
  }
  bool StartArray() { return OpenContainer(/*is_array=*/true) && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType element_count) {
    CloseContainer();
    return doc_.EndArray(element_count);
  }

  // Objects close innermost first; diagnostics want the repeats in document order.
  void Finish() {
    std::sort(locator_.duplicate_keys_.begin(), locator_.duplicate_keys_.end(),
              [](const auto& x, const auto& y) { return x.offset < y.offset; });
  }

  // Whether the pass stopped at kMaxJsonDepth.
  bool TooDeep() const { return too_deep_; }

  // The member whose value was being read when the reader failed, or else the innermost open
  // container: the most specific place that is certainly right.
  std::string ErrorPointer() const {
    if (frames_.empty()) return "";
    std::string pointer = PathOf(frames_.size() - 1);
    const Frame& top = frames_.back();
    if (!top.is_array && top.key_pending) {
      pointer = AppendPointer(
          pointer, std::string_view{locator_.names_}.substr(top.name_begin, top.name_size));
    }
    return pointer;
  }

 private:
  using Node = JsonLocator::Node;

  struct Frame {
    std::size_t node = 0;
    bool is_array = false;
    // Objects: the member name read last, and whether its value has yet to start.
    std::size_t key_offset = 0;
    std::size_t name_begin = 0;
    std::size_t name_size = 0;
    bool key_pending = false;
  };

  std::size_t NextTokenStart() const {
    std::size_t i = scan_from_;
    while (i < text_.size() && IsBetweenTokens(text_[i])) ++i;
    return base_ + i;
  }

  // Adds the node of the value now being reported and returns its index.
  std::size_t BeginValue() {
    Node node;
    node.offset = NextTokenStart();
    if (!frames_.empty() && !frames_.back().is_array) {
      Frame& frame = frames_.back();
      node.key_offset = frame.key_offset;
      node.name_begin = frame.name_begin;
      node.name_size = frame.name_size;
      frame.key_pending = false;
    }
    const std::size_t index = locator_.nodes_.size();
    locator_.nodes_.push_back(std::move(node));
    if (!frames_.empty()) locator_.nodes_[frames_.back().node].children.push_back(index);
    return index;
  }

  bool Leaf() {
    BeginValue();
    scan_from_ = stream_.Tell();
    return true;
  }

  // The iterative reader announces a container before consuming its bracket, so scanning
  // resumes just past the bracket found at the value's start rather than at Tell().
  bool OpenContainer(bool is_array) {
    if (frames_.size() == kMaxJsonDepth) {
      too_deep_ = true;
      return false;
    }
    const std::size_t index = BeginValue();
    scan_from_ = locator_.nodes_[index].offset - base_ + 1;
    frames_.push_back(Frame{index, is_array, 0, 0, 0, false});
    return true;
  }

  void CloseContainer() {
    frames_.pop_back();
    scan_from_ = stream_.Tell();
  }

  // The pointer of the container open at frames_[depth]: each enclosing frame's current child is
  // its last one.
  std::string PathOf(std::size_t depth) const {
    std::string pointer;
    for (std::size_t i = 0; i < depth; ++i) {
      const Node& parent = locator_.nodes_[frames_[i].node];
      if (frames_[i].is_array) {
        pointer = AppendPointer(pointer, parent.children.size() - 1);
      } else {
        pointer = AppendPointer(pointer, locator_.NameOf(locator_.nodes_[parent.children.back()]));
      }
    }
    return pointer;
  }

  // Sorting the closing object's member names finds repeats without a set per object.
  void RecordDuplicates() {
    const Node& object = locator_.nodes_[frames_.back().node];
    if (object.children.size() < 2) return;
    std::vector<std::size_t> members = object.children;
    std::stable_sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
      return locator_.NameOf(locator_.nodes_[a]) < locator_.NameOf(locator_.nodes_[b]);
    });
    const std::string path = PathOf(frames_.size() - 1);
    std::size_t first = 0;  // the first occurrence of the current run of equal names
    for (std::size_t i = 1; i < members.size(); ++i) {
      const Node& again = locator_.nodes_[members[i]];
      const std::string_view name = locator_.NameOf(again);
      if (name != locator_.NameOf(locator_.nodes_[members[first]])) {
        first = i;
        continue;
      }
      locator_.duplicate_keys_.push_back({std::string(name), AppendPointer(path, name),
                                          again.key_offset,
                                          locator_.nodes_[members[first]].key_offset});
    }
  }

  rapidjson::Document& doc_;
  const rapidjson::MemoryStream& stream_;
  std::string_view text_;  // what the reader sees (after any byte order mark)
  std::size_t base_;       // offset of text_ in the file
  JsonLocator& locator_;
  std::vector<Frame> frames_;
  std::size_t scan_from_ = 0;  // in text_
  bool too_deep_ = false;
};

std::string AppendPointer(std::string_view pointer, std::string_view token) {
  std::string out;
  out.reserve(pointer.size() + token.size() + 1);
  out.append(pointer);
  out.push_back('/');
  for (char c : token) {
    if (c == '~') {
      out.append("~0");
    } else if (c == '/') {
      out.append("~1");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string AppendPointer(std::string_view pointer, std::size_t index) {
  return AppendPointer(pointer, std::to_string(index));
}

JsonLocator::JsonLocator(std::string_view text) : text_(text) {
  // A byte order mark is invisible in editors, so line 1 starts after it.
  line_starts_.push_back(text.starts_with(kUtf8Bom) ? kUtf8Bom.size() : 0);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') line_starts_.push_back(i + 1);
  }
}

std::optional<std::size_t> JsonLocator::Find(std::string_view pointer) const {
  if (nodes_.empty()) return std::nullopt;
  std::size_t index = 0;
  if (pointer.empty()) return index;
  if (pointer.front() != '/') return std::nullopt;
  pointer.remove_prefix(1);
  while (true) {
    const std::size_t slash = pointer.find('/');
    const auto token = UnescapeToken(pointer.substr(0, slash));
    if (!token) return std::nullopt;
    const Node& node = nodes_[index];
    // The first byte of a value tells its type; only containers have children.
    const char opener = text_[node.offset];
    if (opener == '[') {
      const auto i = ParseIndex(*token);
      if (!i || *i >= node.children.size()) return std::nullopt;
      index = node.children[*i];
    } else if (opener == '{') {
      auto it = std::find_if(node.children.begin(), node.children.end(),
                             [&](std::size_t child) { return NameOf(nodes_[child]) == *token; });
      if (it == node.children.end()) return std::nullopt;
      index = *it;
    } else {
      return std::nullopt;
    }
    if (slash == std::string_view::npos) return index;
    pointer.remove_prefix(slash + 1);
  }
}

std::optional<std::size_t> JsonLocator::ValueOffset(std::string_view pointer) const {
  const auto index = Find(pointer);
  if (!index) return std::nullopt;
  return nodes_[*index].offset;
}

std::optional<std::size_t> JsonLocator::KeyOffset(std::string_view pointer) const {
  const auto index = Find(pointer);
  if (!index || nodes_[*index].key_offset == kNoKey) return std::nullopt;
  return nodes_[*index].key_offset;
}

TextPosition JsonLocator::PositionOf(std::size_t offset) const {
  offset = std::min(offset, text_.size());
  // The last line start at or before the offset.
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  const std::size_t line_index = static_cast<std::size_t>(it - line_starts_.begin()) - 1;
  const std::size_t line_start = std::min(line_starts_[line_index], offset);
  int column = 1;
  for (std::size_t i = line_start; i < offset; ++i) {
    // UTF-8 continuation bytes (10xxxxxx) do not start a code point.
    if ((static_cast<unsigned char>(text_[i]) & 0xC0U) != 0x80U) ++column;
  }
  return {static_cast<int>(line_index + 1), column};
}

TextPosition JsonLocator::ValuePosition(std::string_view pointer) const {
  const auto offset = ValueOffset(pointer);
  return offset ? PositionOf(*offset) : TextPosition{};
}

TextPosition JsonLocator::KeyPosition(std::string_view pointer) const {
  const auto offset = KeyOffset(pointer);
  return offset ? PositionOf(*offset) : ValuePosition(pointer);
}

LocatedJson ParseLocated(std::string_view text) {
  LocatedJson result(text);
  const std::size_t base = text.starts_with(kUtf8Bom) ? kUtf8Bom.size() : 0;
  const std::string_view body = text.substr(base);
  // The reader takes a NUL byte for the end of the input, which would hide what follows it.
  if (const std::size_t nul = body.find('\0'); nul != std::string_view::npos) {
    result.error = JsonSyntaxError{"NUL byte in the text.", base + nul, ""};
    return result;
  }
  rapidjson::MemoryStream stream(body.data(), body.size());
  LocatingHandler handler(result.document, stream, body, base, result.locator);
  rapidjson::Reader reader;
  auto generate = [&](rapidjson::Document&) {
    return !reader.Parse<kParseFlags>(stream, handler).IsError();
  };
  result.document.Populate(generate);
  handler.Finish();
  if (reader.HasParseError()) {
    result.document.SetNull();
    result.error = JsonSyntaxError{
        handler.TooDeep() ? fmt::format("Nesting deeper than {} levels.", kMaxJsonDepth)
                          : std::string(rapidjson::GetParseError_En(reader.GetParseErrorCode())),
        base + reader.GetErrorOffset(), handler.ErrorPointer()};
  }
  return result;
}

}  // namespace agentreplay::harness
