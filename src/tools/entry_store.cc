#include "tools/entry_store.h"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>

#include "json/json_text.h"

namespace agentreplay {
namespace {

constexpr std::string_view kSchema[] = {
    // The busy timeout makes a second connection wait instead of failing at once.
    "PRAGMA busy_timeout=5000",
    "CREATE TABLE IF NOT EXISTS entries("
    "id INTEGER PRIMARY KEY AUTOINCREMENT, category TEXT NOT NULL, title TEXT NOT NULL, "
    "content TEXT NOT NULL, tags TEXT NOT NULL DEFAULT '[]', created_at TEXT, updated_at TEXT)",
    "CREATE INDEX IF NOT EXISTS entries_by_category ON entries(category, id)",
};

// Far above what a tool asks for (100); keeps limit + 1 from overflowing.
constexpr int64_t kMaxQueryLimit = 1'000'000;

constexpr std::string_view kColumns =
    "SELECT id, category, title, content, tags, created_at, updated_at FROM entries ";

// One WHERE clause for every combination of filters: an unset filter is bound as NULL and
// switches its condition off, so the SQL text never depends on the values.
constexpr std::string_view kWhere =
    "WHERE (?1 IS NULL OR category = ?1) "
    "AND (?2 IS NULL OR title LIKE ?2 ESCAPE '\\') "
    "AND (?3 IS NULL OR (json_valid(tags) AND EXISTS "
    "(SELECT 1 FROM json_each(entries.tags) WHERE json_each.value = ?3))) "
    "AND (?4 IS NULL OR created_at > ?4) ";

Entry ReadEntry(const sqlite::Statement& stmt) {
  Entry e;
  e.id = stmt.ColumnInt(0);
  e.category = stmt.ColumnText(1);
  e.title = stmt.ColumnText(2);
  e.content = stmt.ColumnText(3);
  e.tags = TagsFromJson(stmt.ColumnText(4));
  e.created_at = stmt.ColumnText(5);
  e.updated_at = stmt.ColumnText(6);
  return e;
}

}  // namespace

std::string TagsToJson(const std::vector<std::string>& tags) {
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartArray();
  for (const auto& tag : tags) json::String(w, tag);
  w.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::vector<std::string> TagsFromJson(std::string_view json_text) {
  std::vector<std::string> tags;
  rapidjson::Document doc;
  if (!json::Parse(json_text, doc) || !doc.IsArray()) return tags;
  for (const auto& v : doc.GetArray()) {
    if (v.IsString()) tags.emplace_back(v.GetString(), v.GetStringLength());
  }
  return tags;
}

std::string ContainsPattern(std::string_view text) {
  std::string pattern = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
    pattern.push_back(c);
  }
  pattern.push_back('%');
  return pattern;
}

Expected<std::unique_ptr<EntryStore>> EntryStore::Open(const std::filesystem::path& file,
                                                       bool durable) {
  auto opened = sqlite::Database::Open(file);
  if (!opened) return std::move(opened.failure());
  std::unique_ptr<sqlite::Database> db = std::move(*opened);
  // Without fsync a scratch database costs well under a millisecond to create and drop
  // instead of tens (the harness makes one per repetition). NORMAL in WAL mode still
  // survives a crash of the process, only not of the machine.
  //
  // A kept workspace uses WAL, so a reader (the sqlite3 shell) can look while the agent
  // writes; a scratch one keeps its journal in memory, which spares the -wal and -shm files
  // and their syscalls on every repetition. The synchronous pragma must precede the switch.
  Status configured = db->Exec(durable ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=OFF");
  if (configured) {
    configured = db->Exec(durable ? "PRAGMA journal_mode=WAL" : "PRAGMA journal_mode=MEMORY");
  }
  if (!configured) return Fail("cannot configure the database: " + configured.error());
  for (std::string_view sql : kSchema) {
    const Status created = db->Exec(sql);
    if (!created) return Fail("cannot create the schema: " + created.error());
  }
  return std::unique_ptr<EntryStore>(new EntryStore(std::move(db)));
}

Expected<std::unique_ptr<EntryStore>> EntryStore::OpenInMemory(std::string_view image) {
  auto opened = sqlite::Database::OpenInMemory(image);
  if (!opened) return std::move(opened.failure());
  std::unique_ptr<sqlite::Database> db = std::move(*opened);
  if (image.empty()) {
    for (std::string_view sql : kSchema) {
      const Status created = db->Exec(sql);
      if (!created) return Fail("cannot create the schema: " + created.error());
    }
  }
  return std::unique_ptr<EntryStore>(new EntryStore(std::move(db)));
}

Expected<std::string> EntryStore::Image() {
  std::lock_guard lock(mutex_);
  return db_->Serialize();
}

Expected<int64_t> EntryStore::AddLocked(const EntrySeed& entry, std::string_view now) {
  auto stmt = db_->Prepare(
      "INSERT INTO entries(category, title, content, tags, created_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?5)");
  stmt.Bind(1, std::string_view(entry.category))
      .Bind(2, std::string_view(entry.title))
      .Bind(3, std::string_view(entry.content))
      .Bind(4, std::string_view(TagsToJson(entry.tags)))
      .Bind(5, now);
  if (!stmt.Run()) return Fail(stmt.error());
  return db_->LastInsertRowId();
}

Expected<int64_t> EntryStore::Add(const EntrySeed& entry, std::string_view now) {
  std::lock_guard lock(mutex_);
  return AddLocked(entry, now);
}

Status EntryStore::AddAll(const std::vector<EntrySeed>& entries, std::string_view now) {
  std::lock_guard lock(mutex_);
  sqlite::Transaction tx(*db_);
  if (!tx.ok()) return Fail(tx.error());
  for (const auto& entry : entries) {
    auto id = AddLocked(entry, now);
    if (!id) return std::move(id.failure());  // the transaction rolls back
  }
  if (!tx.Commit()) return Fail(tx.error());
  return {};
}

Expected<EntryPage> EntryStore::Query(const EntryQuery& query) {
  const int64_t limit = std::clamp<int64_t>(query.limit, 0, kMaxQueryLimit);
  std::lock_guard lock(mutex_);
  const std::string sql =
      std::string(kColumns) + std::string(kWhere) +
      (query.newest_first ? "ORDER BY id DESC LIMIT ?5" : "ORDER BY id ASC LIMIT ?5");
  auto stmt = db_->Prepare(sql);
  stmt.Bind(1, query.category)
      .Bind(2, query.title_contains ? std::optional(ContainsPattern(*query.title_contains))
                                    : std::nullopt)
      .Bind(3, query.tag)
      .Bind(4, query.created_after)
      .Bind(5, limit + 1);  // one more than asked tells whether there are more
  EntryPage page;
  while (stmt.Step()) {
    if (static_cast<int64_t>(page.entries.size()) == limit) {
      page.has_more = true;
      break;
    }
    page.entries.push_back(ReadEntry(stmt));
  }
  if (!stmt.ok()) return Fail(stmt.error());
  return page;
}

Expected<std::optional<Entry>> EntryStore::Get(int64_t id) {
  std::lock_guard lock(mutex_);
  auto stmt = db_->Prepare(std::string(kColumns) + "WHERE id = ?1");
  stmt.Bind(1, id);
  if (stmt.Step()) return std::optional<Entry>(ReadEntry(stmt));
  if (!stmt.ok()) return Fail(stmt.error());
  return std::optional<Entry>();
}

Expected<StoreStatus> EntryStore::Update(int64_t id, const EntryUpdate& update,
                                         std::string_view now) {
  std::lock_guard lock(mutex_);
  auto stmt = db_->Prepare(
      "UPDATE entries SET title = coalesce(?1, title), content = coalesce(?2, content), "
      "tags = coalesce(?3, tags), updated_at = ?4 WHERE id = ?5");
  stmt.Bind(1, update.title)
      .Bind(2, update.content)
      .Bind(3, update.tags ? std::optional(TagsToJson(*update.tags)) : std::nullopt)
      .Bind(4, now)
      .Bind(5, id);
  if (!stmt.Run()) return Fail(stmt.error());
  return db_->Changes() > 0 ? StoreStatus::kOk : StoreStatus::kNotFound;
}

Expected<StoreStatus> EntryStore::Remove(int64_t id) {
  std::lock_guard lock(mutex_);
  auto stmt = db_->Prepare("DELETE FROM entries WHERE id = ?1");
  stmt.Bind(1, id);
  if (!stmt.Run()) return Fail(stmt.error());
  return db_->Changes() > 0 ? StoreStatus::kOk : StoreStatus::kNotFound;
}

Expected<int64_t> EntryStore::Count(const EntryMatch& match) {
  std::lock_guard lock(mutex_);
  // Tags are stored as a JSON array; each wanted tag must be one of its strings.
  std::string sql =
      "SELECT count(*) FROM entries WHERE (?1 = '' OR category = ?1) "
      "AND title LIKE ?2 ESCAPE '\\' AND content LIKE ?3 ESCAPE '\\'";
  for (std::size_t i = 0; i < match.tags.size(); ++i) {
    sql += fmt::format(
        " AND EXISTS (SELECT 1 FROM json_each(entries.tags) WHERE json_each.value = ?{})", i + 4);
  }
  auto stmt = db_->Prepare(sql);
  const std::string_view category = match.category;
  const std::string title = ContainsPattern(match.title_contains);
  const std::string content = ContainsPattern(match.content_contains);
  stmt.Bind(1, category).Bind(2, std::string_view{title}).Bind(3, std::string_view{content});
  for (std::size_t i = 0; i < match.tags.size(); ++i) {
    const std::string_view tag = match.tags[i];
    stmt.Bind(static_cast<int>(i + 4), tag);
  }
  if (!stmt.Step()) return Fail(stmt.ok() ? "count returned no row" : stmt.error());
  return stmt.ColumnInt(0);
}

Expected<int64_t> EntryStore::Count(std::string_view category, std::string_view title_contains) {
  std::lock_guard lock(mutex_);
  auto stmt = db_->Prepare(
      "SELECT count(*) FROM entries WHERE (?1 = '' OR category = ?1) "
      "AND title LIKE ?2 ESCAPE '\\'");
  stmt.Bind(1, category).Bind(2, std::string_view(ContainsPattern(title_contains)));
  if (!stmt.Step()) return Fail(stmt.ok() ? "count returned no row" : stmt.error());
  return stmt.ColumnInt(0);
}

}  // namespace agentreplay
