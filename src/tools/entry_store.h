// The data entries of a workspace: one SQLite table, queried with bound parameters only.
//
//   entries(id INTEGER PRIMARY KEY AUTOINCREMENT, category TEXT NOT NULL, title TEXT NOT NULL,
//           content TEXT NOT NULL, tags TEXT NOT NULL DEFAULT '[]', created_at TEXT,
//           updated_at TEXT)
//
// AUTOINCREMENT so that an id is never handed out twice: a model holding the id of an entry it
// removed must get not_found, not silently edit a newer entry. Content is opaque text (JSON,
// Markdown, anything); tags are a JSON array of strings; times are FormatUtcTimestamp text.
//
// Thread safety: tools may run on several threads at once (a real-world server), and a single
// connection's multi-statement sequences (insert, then read the new id) must not interleave,
// so every method holds one mutex for its whole duration. No method suspends a coroutine, so
// the lock is never held across a co_await and the single-threaded simulated world cannot
// deadlock on it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.h"
#include "tools/sqlite_db.h"

namespace agentreplay {

// An entry as written: by the seed of a scenario or by add_new_data.
struct EntrySeed {
  std::string category;
  std::string title;
  std::string content;
  std::vector<std::string> tags;
};

struct Entry {
  int64_t id = 0;
  std::string category;
  std::string title;
  std::string content;
  std::vector<std::string> tags;
  std::string created_at;
  std::string updated_at;
};

// Every criterion that is set must hold. title_contains is a case-insensitive (ASCII)
// substring; created_after is a canonical timestamp (see NormalizeTimestamp), exclusive.
struct EntryQuery {
  std::optional<std::string> category;
  std::optional<std::string> title_contains;
  std::optional<std::string> tag;
  std::optional<std::string> created_after;
  int64_t limit = 20;
  bool newest_first = true;  // by insertion order, which ids follow (AUTOINCREMENT)
};

struct EntryPage {
  std::vector<Entry> entries;
  bool has_more = false;  // more entries matched than `limit`
};

// Fields left unset keep their value; tags replace the whole list.
struct EntryUpdate {
  std::optional<std::string> title;
  std::optional<std::string> content;
  std::optional<std::vector<std::string>> tags;
};

// What an update or a removal by id found. A missing id is an answer the tools pass on to
// the model (not_found), not a failure of the store, so it is a value beside kOk.
enum class StoreStatus { kOk, kNotFound };

// What a scenario's data expectation looks for: every part that is given must match.
struct EntryMatch {
  std::string category;           // exact; empty: any
  std::string title_contains;     // case-insensitive ASCII; empty: any
  std::string content_contains;   // case-insensitive ASCII; empty: any
  std::vector<std::string> tags;  // each must be one of the entry's tags
};

class EntryStore {
 public:
  // Opens or creates the database file and its schema. `durable`: sync to disk at
  // checkpoints (a kept workspace); otherwise never (a scratch workspace deleted after the
  // run).
  static Expected<std::unique_ptr<EntryStore>> Open(const std::filesystem::path& file,
                                                    bool durable);
  // A private in-memory store starting from `image` (Image() of another store; empty: a new,
  // empty store). A copy of a seeded store costs a memcpy instead of a schema and inserts.
  static Expected<std::unique_ptr<EntryStore>> OpenInMemory(std::string_view image);
  // The store as a database file's bytes.
  Expected<std::string> Image();

  // Each of these fails with SQLite's message when SQLite fails.

  // Returns the new entry's id.
  Expected<int64_t> Add(const EntrySeed& entry, std::string_view now);
  // Adds all or none (one transaction).
  Status AddAll(const std::vector<EntrySeed>& entries, std::string_view now);
  Expected<EntryPage> Query(const EntryQuery& query);
  // nullopt when no entry has this id.
  Expected<std::optional<Entry>> Get(int64_t id);
  Expected<StoreStatus> Update(int64_t id, const EntryUpdate& update, std::string_view now);
  Expected<StoreStatus> Remove(int64_t id);
  // Entries of `category` (any category when empty) whose title contains `title_contains`
  // (case-insensitive, ASCII; every title when empty).
  Expected<int64_t> Count(std::string_view category, std::string_view title_contains);
  // Entries that match every part of `match` (what a scenario's data expectation asks).
  Expected<int64_t> Count(const EntryMatch& match);

 private:
  explicit EntryStore(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}
  Expected<int64_t> AddLocked(const EntrySeed& entry, std::string_view now);

  std::mutex mutex_;
  std::unique_ptr<sqlite::Database> db_;
};

// The tags column: a compact JSON array of strings, and back (corrupt text reads as no tags).
std::string TagsToJson(const std::vector<std::string>& tags);
std::vector<std::string> TagsFromJson(std::string_view json_text);

// A LIKE pattern matching `text` anywhere, with LIKE's wildcards escaped ('\' is the escape).
std::string ContainsPattern(std::string_view text);

}  // namespace agentreplay
