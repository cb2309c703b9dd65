// The knowledge base behind the mock's file_search: the scenario's documents in an in-memory
// SQLite full-text index (FTS5), searched the way a scenario's model would search a vector
// store. A step whose file_search scripts no results gets the top hits of its query here.
//
// Index. One FTS5 row per document: (name UNINDEXED, text), tokenizer "porter unicode61"
// (case-folded, diacritics removed, English stemming, so "laptops" finds "laptop"). Only the
// text is searched: OpenAI's vector stores search file contents, not file names.
//
// Query. Free text, never FTS5 syntax: it is split into terms at every ASCII character that is
// not a letter or digit (bytes >= 0x80 belong to terms, as in unicode61), each term is quoted,
// and the terms are joined with OR; repeated terms (ASCII case-insensitive) count once, and at
// most kMaxQueryTerms are kept. So quotes, parentheses, '*', ':', '^', NEAR, AND and NOT are
// plain text and no user text can be an FTS5 syntax error. A query without terms finds nothing.
//
// Score. Okapi BM25 over the text (k1 = 1.2, b = 0.75, document length and average length in
// tokens), with Lucene's idf ln(1 + (N - n + 0.5) / (n + 0.5)), N documents, n of them
// containing the term. It is FTS5's bm25() except for that idf: FTS5 uses
// ln((N - n + 0.5) / (n + 0.5)), floored at 1e-6, which gives no weight to a term found in half
// the documents or more, so a knowledge base of one or two documents could never find anything.
// The BM25 sum s >= 0 is mapped into [0, 1) as s / (1 + s) and rounded to 4 decimals, so scores
// print the same everywhere. Hits are ordered by score (highest first), then by name; a hit
// whose rounded score is 0 carries no evidence and is dropped.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace agentreplay::mocks {

// How many documents a file_search without scripted results returns (its top hits).
inline constexpr size_t kFileSearchMaxResults = 3;
// The most terms of one query that are searched (the rest are ignored).
inline constexpr size_t kMaxQueryTerms = 64;

struct SearchHit {
  std::string name;
  double score = 0;     // in (0, 1), 4 decimals; see the header comment
  std::string snippet;  // up to 16 tokens of the text around the best match, "…" where cut
};

// The FTS5 MATCH expression for free text: quoted terms joined with " OR ", or "" when the
// text has no terms.
std::string SanitizeFtsQuery(std::string_view query);

// The file id of a document: "file-" + 22 alphanumerics derived from its name only, so one
// document keeps one id across runtimes, runs, turns and seeds, like a file in a vector store.
std::string DocumentFileId(std::string_view name);

class KnowledgeBase {
 public:
  // Indexes `documents` (name → text). No documents: no database is opened and every search
  // finds nothing. Throws std::runtime_error if SQLite fails (e.g. built without FTS5).
  explicit KnowledgeBase(const std::map<std::string, std::string>& documents);
  ~KnowledgeBase();
  KnowledgeBase(const KnowledgeBase&) = delete;
  KnowledgeBase& operator=(const KnowledgeBase&) = delete;

  // The best `limit` hits for `query`, ranked as above. Deterministic: the same documents and
  // query give the same hits, scores and order.
  std::vector<SearchHit> Search(std::string_view query, size_t limit) const;

  size_t size() const { return documents_; }

 private:
  struct Database;
  std::unique_ptr<Database> db_;  // null when there are no documents
  size_t documents_ = 0;
};

}  // namespace agentreplay::mocks
