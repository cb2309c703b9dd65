#include "tools/sqlite_db.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <cstring>
#include <string>
#include <utility>

namespace agentreplay::sqlite {

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt, std::string error)
    : db_(db), stmt_(stmt), error_(std::move(error)) {}

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      error_(std::move(other.error_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
    error_ = std::move(other.error_);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::Fail(int code) {
  if (!error_.empty()) return;
  error_ = fmt::format("sqlite error {}: {}", code,
                       db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(code));
}

Statement& Statement::Bind(int index, std::string_view text) {
  if (!ok() || stmt_ == nullptr) return *this;
  // SQLITE_TRANSIENT: SQLite copies the bytes, so the caller's string may go away.
  const int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) Fail(rc);
  return *this;
}

Statement& Statement::Bind(int index, int64_t value) {
  if (!ok() || stmt_ == nullptr) return *this;
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) Fail(rc);
  return *this;
}

Statement& Statement::BindNull(int index) {
  if (!ok() || stmt_ == nullptr) return *this;
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) Fail(rc);
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<std::string>& text) {
  return text ? Bind(index, std::string_view(*text)) : BindNull(index);
}

bool Statement::Step() {
  if (!ok() || stmt_ == nullptr) return false;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) Fail(rc);
  return false;
}

bool Statement::Run() {
  while (Step()) {
  }
  return ok() && stmt_ != nullptr;
}

int64_t Statement::ColumnInt(int column) const {
  return stmt_ != nullptr ? sqlite3_column_int64(stmt_, column) : 0;
}

std::string Statement::ColumnText(int column) const {
  if (stmt_ == nullptr) return {};
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  // Length after sqlite3_column_text, as the SQLite documentation prescribes.
  const int size = sqlite3_column_bytes(stmt_, column);
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

bool Statement::ColumnIsNull(int column) const {
  return stmt_ == nullptr || sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Expected<std::unique_ptr<Database>> Database::Open(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    Failure failure = Fail(fmt::format("cannot open {}: {}", path.string(),
                                       db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close(db);  // a handle is returned even on most failures
    return failure;
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Database>(new Database(db));
}

Expected<std::unique_ptr<Database>> Database::OpenInMemory(std::string_view image) {
  auto opened = Open(":memory:");
  if (!opened || image.empty()) return opened;
  // SQLite frees the copy with the connection, and may grow it as the agent writes.
  auto* copy = static_cast<unsigned char*>(sqlite3_malloc64(image.size()));
  if (copy == nullptr) return Fail("cannot open an in-memory database: out of memory");
  std::memcpy(copy, image.data(), image.size());
  const auto size = static_cast<sqlite3_int64>(image.size());
  const int rc =
      sqlite3_deserialize((*opened)->db_, "main", copy, size, size,
                          SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE);
  if (rc != SQLITE_OK) {
    return Fail(fmt::format("cannot load the database image: {}", sqlite3_errstr(rc)));
  }
  return opened;
}

Expected<std::string> Database::Serialize() const {
  sqlite3_int64 size = 0;
  unsigned char* bytes = sqlite3_serialize(db_, "main", &size, 0);
  if (bytes == nullptr) {
    return Fail("cannot serialise the database: " + std::string(sqlite3_errmsg(db_)));
  }
  std::string image(reinterpret_cast<const char*>(bytes), static_cast<size_t>(size));
  sqlite3_free(bytes);
  return image;
}

Database::~Database() { sqlite3_close(db_); }

Status Database::Exec(std::string_view sql) {
  Statement stmt = Prepare(sql);
  if (!stmt.Run()) return Fail(stmt.error());
  return {};
}

Statement Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return Statement(db_, nullptr, fmt::format("sqlite error {}: {}", rc, sqlite3_errmsg(db_)));
  }
  return Statement(db_, stmt, {});
}

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int64_t Database::Changes() const { return sqlite3_changes64(db_); }

Transaction::Transaction(Database& db) : db_(db) {
  if (const Status begun = db_.Exec("BEGIN IMMEDIATE"); !begun) {
    error_ = begun.error();
  } else {
    open_ = true;
  }
}

Transaction::~Transaction() {
  if (open_) (void)db_.Exec("ROLLBACK");
}

bool Transaction::Commit() {
  if (!open_) return false;
  if (const Status committed = db_.Exec("COMMIT"); !committed) {
    error_ = committed.error();
    return false;
  }
  open_ = false;
  return true;
}

}  // namespace agentreplay::sqlite
