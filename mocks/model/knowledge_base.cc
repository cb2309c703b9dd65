#include "mocks/model/knowledge_base.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <new>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/random.h"

namespace agentreplay::mocks {
namespace {

constexpr double kK1 = 1.2;
constexpr double kB = 0.75;
constexpr int kTextColumn = 1;  // (name UNINDEXED, text)
constexpr const char* kRankFunction = "agentreplay_bm25";

bool IsTermByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct Finalize {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, Finalize>;

[[noreturn]] void Fail(sqlite3* db, const std::string& what) {
  throw std::runtime_error("knowledge base: " + what + ": " +
                           (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

StmtPtr Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    Fail(db, "prepare '" + std::string(sql) + "'");
  }
  return StmtPtr(stmt);
}

// Bound as SQLITE_STATIC (a null destructor): every text outlives the statement's step.
void BindText(sqlite3* db, sqlite3_stmt* stmt, int index, std::string_view text) {
  if (sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), nullptr) !=
      SQLITE_OK) {
    Fail(db, "bind");
  }
}

void Execute(sqlite3* db, std::string_view sql) {
  StmtPtr stmt = Prepare(db, sql);
  if (sqlite3_step(stmt.get()) != SQLITE_DONE) Fail(db, "run '" + std::string(sql) + "'");
}

int CountRow(const Fts5ExtensionApi*, Fts5Context*, void* count) {
  ++*static_cast<int64_t*>(count);
  return SQLITE_OK;
}

// The idf of every phrase of the query, computed on the first row and kept as the query's
// auxiliary data (FTS5 frees it with the query).
const std::vector<double>* PhraseIdfs(const Fts5ExtensionApi* api, Fts5Context* fts, int* rc) {
  if (auto* cached = static_cast<std::vector<double>*>(api->xGetAuxdata(fts, 0))) return cached;
  sqlite3_int64 rows = 0;
  if ((*rc = api->xRowCount(fts, &rows)) != SQLITE_OK) return nullptr;
  auto idfs = std::make_unique<std::vector<double>>();
  const int phrases = api->xPhraseCount(fts);
  for (int i = 0; i < phrases; ++i) {
    int64_t containing = 0;
    if ((*rc = api->xQueryPhrase(fts, i, &containing, CountRow)) != SQLITE_OK) return nullptr;
    const double n = static_cast<double>(containing);
    idfs->push_back(std::log(1.0 + (static_cast<double>(rows) - n + 0.5) / (n + 0.5)));
  }
  std::vector<double>* raw = idfs.release();
  // On failure SQLite has already called the deleter.
  *rc = api->xSetAuxdata(fts, raw, [](void* p) { delete static_cast<std::vector<double>*>(p); });
  return *rc == SQLITE_OK ? raw : nullptr;
}

// agentreplay_bm25(docs): the BM25 sum of the current row (see knowledge_base.h). A C callback,
// so nothing may throw out of it.
void Bm25Rank(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* result, int,
              sqlite3_value**) {
  try {
    int rc = SQLITE_OK;
    const std::vector<double>* idfs = PhraseIdfs(api, fts, &rc);
    sqlite3_int64 rows = 0;
    sqlite3_int64 total_tokens = 0;
    int length = 0;
    int instances = 0;
    if (rc == SQLITE_OK) rc = api->xRowCount(fts, &rows);
    if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, kTextColumn, &total_tokens);
    if (rc == SQLITE_OK) rc = api->xColumnSize(fts, kTextColumn, &length);
    if (rc == SQLITE_OK) rc = api->xInstCount(fts, &instances);
    if (rc != SQLITE_OK || idfs == nullptr) {
      sqlite3_result_error_code(result, rc == SQLITE_OK ? SQLITE_ERROR : rc);
      return;
    }
    std::vector<double> frequency(idfs->size(), 0.0);
    for (int i = 0; i < instances; ++i) {
      int phrase = 0;
      int column = 0;
      int offset = 0;
      if ((rc = api->xInst(fts, i, &phrase, &column, &offset)) != SQLITE_OK) {
        sqlite3_result_error_code(result, rc);
        return;
      }
      if (column == kTextColumn) frequency.at(static_cast<size_t>(phrase)) += 1.0;
    }
    const double average = rows > 0 && total_tokens > 0
                               ? static_cast<double>(total_tokens) / static_cast<double>(rows)
                               : 1.0;
    const double norm = kK1 * (1.0 - kB + kB * static_cast<double>(length) / average);
    double sum = 0.0;
    for (size_t i = 0; i < frequency.size(); ++i) {
      const double tf = frequency[i];
      sum += (*idfs)[i] * tf * (kK1 + 1.0) / (tf + norm);
    }
    sqlite3_result_double(result, sum);
  } catch (const std::bad_alloc&) {
    sqlite3_result_error_nomem(result);
  } catch (...) {
    sqlite3_result_error_code(result, SQLITE_ERROR);
  }
}

void RegisterRankFunction(sqlite3* db) {
  fts5_api* fts = nullptr;
  StmtPtr stmt = Prepare(db, "SELECT fts5(?1)");
  if (sqlite3_bind_pointer(stmt.get(), 1, &fts, "fts5_api_ptr", nullptr) != SQLITE_OK) {
    Fail(db, "bind fts5_api_ptr");
  }
  sqlite3_step(stmt.get());
  if (fts == nullptr) Fail(db, "this SQLite has no FTS5");
  if (fts->xCreateFunction(fts, kRankFunction, nullptr, Bm25Rank, nullptr) != SQLITE_OK) {
    Fail(db, "register the rank function");
  }
}

double RoundScore(double bm25_sum) {
  const double s = std::max(0.0, bm25_sum);
  return std::round(s / (1.0 + s) * 1e4) / 1e4;
}

}  // namespace

struct KnowledgeBase::Database {
  std::unique_ptr<sqlite3, CloseDb> db;
};

std::string SanitizeFtsQuery(std::string_view query) {
  std::string out;
  std::set<std::string> seen;
  size_t i = 0;
  while (i < query.size() && seen.size() < kMaxQueryTerms) {
    while (i < query.size() && !IsTermByte(static_cast<unsigned char>(query[i]))) ++i;
    const size_t start = i;
    while (i < query.size() && IsTermByte(static_cast<unsigned char>(query[i]))) ++i;
    if (i == start) break;
    const std::string_view term = query.substr(start, i - start);
    std::string key(term);
    std::transform(key.begin(), key.end(), key.begin(), AsciiLower);
    if (!seen.insert(std::move(key)).second) continue;
    if (!out.empty()) out += " OR ";
    // A term holds no '"' (it is not a term byte), so quoting needs no escaping.
    out += '"';
    out += term;
    out += '"';
  }
  return out;
}

std::string DocumentFileId(std::string_view name) {
  static constexpr std::string_view kAlnum =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  Rng rng(DeriveSeed(0, std::string("document:").append(name)));
  std::string id = "file-";
  for (int i = 0; i < 22; ++i) id.push_back(kAlnum[rng.Below(kAlnum.size())]);
  return id;
}

KnowledgeBase::KnowledgeBase(const std::map<std::string, std::string>& documents)
    : documents_(documents.size()) {
  if (documents.empty()) return;
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  db_ = std::make_unique<Database>();
  db_->db.reset(raw);  // closed on every path, even when opening failed
  if (rc != SQLITE_OK) Fail(raw, "open");
  sqlite3* db = raw;
  RegisterRankFunction(db);
  Execute(db,
          "CREATE VIRTUAL TABLE docs USING fts5(name UNINDEXED, text, "
          "tokenize = 'porter unicode61')");
  Execute(db, "BEGIN");
  StmtPtr insert = Prepare(db, "INSERT INTO docs(name, text) VALUES (?1, ?2)");
  for (const auto& [name, text] : documents) {
    BindText(db, insert.get(), 1, name);
    BindText(db, insert.get(), 2, text);
    if (sqlite3_step(insert.get()) != SQLITE_DONE) Fail(db, "index '" + name + "'");
    sqlite3_reset(insert.get());
  }
  insert.reset();
  Execute(db, "COMMIT");
}

KnowledgeBase::~KnowledgeBase() = default;

std::vector<SearchHit> KnowledgeBase::Search(std::string_view query, size_t limit) const {
  std::vector<SearchHit> hits;
  const std::string match = SanitizeFtsQuery(query);
  if (db_ == nullptr || match.empty() || limit == 0) return hits;
  sqlite3* db = db_->db.get();
  // A statement per search keeps Search const and free of shared state between callers.
  StmtPtr stmt = Prepare(db,
                         "SELECT name, agentreplay_bm25(docs), snippet(docs, 1, '', '', '…', 16) "
                         "FROM docs WHERE docs MATCH ?1");
  BindText(db, stmt.get(), 1, match);
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    SearchHit hit;
    const auto text = [&](int column) {
      const unsigned char* p = sqlite3_column_text(stmt.get(), column);
      return p == nullptr
                 ? std::string()
                 : std::string(reinterpret_cast<const char*>(p),
                               static_cast<size_t>(sqlite3_column_bytes(stmt.get(), column)));
    };
    hit.name = text(0);
    hit.score = RoundScore(sqlite3_column_double(stmt.get(), 1));
    hit.snippet = text(2);
    if (hit.score > 0) hits.push_back(std::move(hit));
  }
  if (rc != SQLITE_DONE) Fail(db, "search");
  // Sorted after rounding, so that equal printed scores fall back to the name.
  std::sort(hits.begin(), hits.end(), [](const SearchHit& a, const SearchHit& b) {
    return a.score != b.score ? a.score > b.score : a.name < b.name;
  });
  if (hits.size() > limit) hits.resize(limit);
  return hits;
}

}  // namespace agentreplay::mocks
