// Source positions for a RapidJSON DOM.
//
// RapidJSON's DOM keeps no positions, yet every scenario diagnostic must say where the offending
// value is. ParseLocated runs one SAX pass that builds the DOM (Document::Populate) and, on the
// side, records where every value and every object member name starts, in a tree that mirrors the
// document, so a JSON pointer (RFC 6901) can be resolved to a byte offset. Offsets become 1-based
// line and column only when a diagnostic needs them.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentreplay::harness {

// 1-based. Columns count Unicode code points (UTF-8 lead bytes), so a value after "é" is where an
// editor shows it; a tab counts as one column. {0, 0} means unknown.
struct TextPosition {
  int line = 0;
  int column = 0;
  bool operator==(const TextPosition&) const = default;
};

// Appends one reference token to a JSON pointer, escaping '~' as "~0" and '/' as "~1".
std::string AppendPointer(std::string_view pointer, std::string_view token);
std::string AppendPointer(std::string_view pointer, std::size_t index);

// Deeper nesting is refused: it keeps the pass's stack and the pointers in messages bounded, and
// no scenario needs more than a dozen levels.
inline constexpr std::size_t kMaxJsonDepth = 100;

// Where each value and member name of one JSON text starts.
class JsonLocator {
 public:
  // A member name that occurs a second time in the same object.
  struct DuplicateKey {
    std::string name;
    std::string pointer;           // of the member
    std::size_t offset = 0;        // of the repeated name
    std::size_t first_offset = 0;  // of the first occurrence
  };

  explicit JsonLocator(std::string_view text);

  // Byte offset of the value at `pointer` ("" is the root), if the pass reached it. When a name
  // occurs twice in an object, the first occurrence is found, as with the DOM's FindMember.
  std::optional<std::size_t> ValueOffset(std::string_view pointer) const;
  // Byte offset of the name of the member whose value is at `pointer`.
  std::optional<std::size_t> KeyOffset(std::string_view pointer) const;
  // Position of a byte offset in the text (an offset past the end is clamped to the end).
  TextPosition PositionOf(std::size_t offset) const;
  // The value's position, or {0, 0}.
  TextPosition ValuePosition(std::string_view pointer) const;
  // The member name's position, falling back to the value's.
  TextPosition KeyPosition(std::string_view pointer) const;
  // In the order the repeated names occur.
  const std::vector<DuplicateKey>& DuplicateKeys() const { return duplicate_keys_; }

 private:
  friend class LocatingHandler;  // fills the tree during the parsing pass

  static constexpr std::size_t kNoKey = static_cast<std::size_t>(-1);
  struct Node {
    std::size_t offset = 0;           // where the value starts
    std::size_t key_offset = kNoKey;  // object members: where the name starts
    std::size_t name_begin = 0;       // object members: the name, in names_
    std::size_t name_size = 0;
    std::vector<std::size_t> children;  // containers: node indices, in document order
  };

  // The node at `pointer`, or nullopt if the pointer is malformed or names nothing recorded.
  std::optional<std::size_t> Find(std::string_view pointer) const;
  std::string_view NameOf(const Node& node) const {
    return std::string_view{names_}.substr(node.name_begin, node.name_size);
  }

  std::string_view text_;
  std::vector<std::size_t> line_starts_;
  std::vector<Node> nodes_;  // nodes_[0] is the root once the pass has seen it
  std::string names_;        // every member name, back to back, so nodes need not own strings
  std::vector<DuplicateKey> duplicate_keys_;
};

struct JsonSyntaxError {
  std::string message;     // RapidJSON's English message, or what else stopped the pass
  std::size_t offset = 0;  // byte offset where the reader gave up
  std::string pointer;     // innermost member or container being parsed at that point
};

struct LocatedJson {
  explicit LocatedJson(std::string_view text) : locator(text) {}
  rapidjson::Document document;  // null when `error` is set
  JsonLocator locator;           // covers what was read before any error
  std::optional<JsonSyntaxError> error;
};

// Parses strict JSON (no comments, no trailing commas, valid UTF-8, no NUL bytes). A leading
// UTF-8 byte order mark is skipped. `text` must outlive the result: the locator refers to it.
LocatedJson ParseLocated(std::string_view text);

}  // namespace agentreplay::harness
