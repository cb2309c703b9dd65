// A small RAII layer over the sqlite3 C API: a connection, prepared statements, transactions.
//
// Values only ever reach SQL through bound parameters; the SQL text itself is constant. Errors
// are data, as everywhere in the core: a statement records its first failure and ignores later
// calls, so a caller binds, steps and checks ok() once instead of after every call.
// Neither class is thread-safe on its own; the owner serialises access (see EntryStore).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/expected.h"

struct sqlite3;
struct sqlite3_stmt;

namespace agentreplay::sqlite {

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt, std::string error);
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameter indexes start at 1, as in SQL (?1, ?2, ...). Text is copied by SQLite.
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, int64_t value);
  Statement& BindNull(int index);
  Statement& Bind(int index, const std::optional<std::string>& text);

  // Advances to the next row: true while a row is available, false when done or failed.
  bool Step();
  // Runs a statement that returns no rows; false when it failed.
  bool Run();

  // Columns of the current row, from 0. NULL reads as 0 or "".
  int64_t ColumnInt(int column) const;
  std::string ColumnText(int column) const;
  bool ColumnIsNull(int column) const;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  void Fail(int code);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string error_;
};

class Database {
 public:
  // Opens (creating if missing) the database file.
  static Expected<std::unique_ptr<Database>> Open(const std::filesystem::path& path);
  // A private in-memory database holding a copy of `image` (a database file's bytes, as
  // Serialize gives them; empty: a new, empty database). Nothing touches the disk.
  static Expected<std::unique_ptr<Database>> OpenInMemory(std::string_view image);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one constant statement without parameters (schema, pragmas).
  Status Exec(std::string_view sql);
  // A failed prepare gives a statement whose ok() is false; stepping it does nothing.
  Statement Prepare(std::string_view sql);

  // The whole database as a file's bytes (the image OpenInMemory takes).
  Expected<std::string> Serialize() const;

  int64_t LastInsertRowId() const;
  int64_t Changes() const;  // rows changed by the last INSERT, UPDATE or DELETE

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// BEGIN on construction; ROLLBACK on destruction unless Commit() succeeded, so an early
// return after a failed step leaves the database as it was.
class Transaction {
 public:
  explicit Transaction(Database& db);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  bool Commit();

 private:
  Database& db_;
  std::string error_;
  bool open_ = false;
};

}  // namespace agentreplay::sqlite
