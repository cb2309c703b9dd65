// Writes cassettes as JSON Lines (docs/recordings.md): a header line, then one line per exchange.
//
// Why lines: `record` appends each exchange as it completes, so a killed proxy loses at most the
// exchange in flight, and a large cassette can be streamed, grepped and read with jq line by
// line. The output is deterministic (the same Cassette gives the same bytes), so cassettes diff
// cleanly and a write → read → write round trip is byte-exact.
//
// The writer does not redact: callers run harness/recording/redaction.h first.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "core/expected.h"
#include "mocks/model/cassette.h"

namespace agentreplay::harness {

// One line each, with its terminating newline. Only the header members of the Cassette are used
// by CassetteHeaderLine (not its exchanges).
std::string CassetteHeaderLine(const mocks::Cassette& cassette);
std::string CassetteExchangeLine(const mocks::CassetteExchange& exchange);
// The whole file: the header line and every exchange, in the cassette's order.
std::string CassetteText(const mocks::Cassette& cassette);

// Writes the whole file atomically: to a temporary file in the same directory, flushed to disk,
// then renamed over `path`, so readers see the old file or the new one, never a part. A cassette
// the reader would refuse (CheckCassette) is not written.
Status WriteCassetteFile(const mocks::Cassette& cassette, const std::filesystem::path& path);

struct CassetteWriterOptions {
  // fsync after every line: survives a machine crash, not only a killed process, at the cost of
  // a disk flush per exchange.
  bool fsync = false;
};

// Appends exchanges to a cassette file as they complete. Each line goes out in one write() on a
// file opened for appending, so a killed process leaves whole lines (and at most one partial last
// line when the disk fills up, which the reader can drop: CassetteReadOptions).
class CassetteWriter {
 public:
  // Creates (or truncates) `path` and writes the header line of `header`. Open and Append refuse
  // what the reader would refuse (HeaderProblems, ExchangeProblems), writing nothing.
  static Expected<CassetteWriter> Open(const std::filesystem::path& path,
                                       const mocks::Cassette& header,
                                       CassetteWriterOptions options = {});

  CassetteWriter(CassetteWriter&& other) noexcept;
  CassetteWriter& operator=(CassetteWriter&& other) noexcept;
  CassetteWriter(const CassetteWriter&) = delete;
  CassetteWriter& operator=(const CassetteWriter&) = delete;
  ~CassetteWriter();

  Status Append(const mocks::CassetteExchange& exchange);
  // Closes the file (the destructor does too, without reporting errors).
  Status Close();

  std::size_t exchanges_written() const { return exchanges_written_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  CassetteWriter(int fd, std::filesystem::path path, CassetteWriterOptions options)
      : fd_(fd), path_(std::move(path)), options_(options) {}
  Status WriteLine(const std::string& line);

  int fd_ = -1;
  std::filesystem::path path_;
  CassetteWriterOptions options_;
  std::size_t exchanges_written_ = 0;
};

}  // namespace agentreplay::harness
