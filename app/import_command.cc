// The `import` subcommand: recordings people already have (the OpenAI .NET SDK's session
// records, HAR files, raw SSE captures, our own cassettes) into one cassette per conversation
// and, beside each, the scenario lifted from it. The cassette replays verbatim (`run
// --scenario X.cassette.jsonl`); the scenario replays on every runtime and package.
#include <fmt/format.h>

#include <filesystem>
#include <string>

#include "app/commands.h"
#include "core/output_file.h"
#include "harness/recording/cassette_writer.h"
#include "harness/recording/import.h"
#include "harness/recording/lift.h"
#include "harness/scenario/scenario_writer.h"

namespace agentreplay::app {
namespace {

namespace fs = std::filesystem;

Expected<harness::ImportOptions> MakeImportOptions(const ImportOptions& options) {
  harness::ImportOptions out;
  out.split_conversations = true;
  if (!options.format.empty()) {
    auto format = harness::ParseImportFormat(options.format);
    if (!format) return Fail(fmt::format("--format: unknown format '{}'", options.format));
    out.format = *format;
  }
  if (!options.pace.empty()) {
    auto pace = harness::ParsePace(options.pace);
    if (!pace) return Fail("--pace: " + pace.error());
    out.pace = *pace;
  }
  out.redaction.headers = options.redact_headers;
  out.redaction.json_fields = options.redact_fields;
  out.allow_truncated_tail = options.allow_truncated_tail;
  return out;
}

// Writes one conversation's cassette and lifted scenario; prints what it wrote. False when
// something could not be written or lifted (the cassette is kept either way).
bool WriteConversation(const mocks::Cassette& cassette, const fs::path& out_dir, bool lift) {
  const fs::path cassette_path = out_dir / (cassette.name + ".cassette.jsonl");
  if (auto written = harness::WriteCassetteFile(cassette, cassette_path); !written) {
    fmt::print(stderr, "error: {}\n", written.error());
    return false;
  }
  fmt::print("{}: {} exchanges ({}{})\n", cassette_path.string(), cassette.exchanges.size(),
             cassette.runtime.empty() ? "unknown runtime" : cassette.runtime,
             cassette.source.timing_derived ? ", timing derived: " + cassette.source.pace : "");
  if (!lift) return true;
  mocks::Cassette named = cassette;
  named.source_path = cassette_path.string();
  auto scenario = harness::LiftScenario(named, harness::LiftOptions{});
  if (!scenario) {
    fmt::print(stderr, "{}\n", scenario.error());
    return false;
  }
  const fs::path scenario_path = out_dir / (cassette.name + ".json");
  if (auto written = WriteFileAtomically(scenario_path, harness::ScenarioToJson(*scenario));
      !written) {
    fmt::print(stderr, "error: {}\n", written.error());
    return false;
  }
  fmt::print("{}: lifted, {} turns\n", scenario_path.string(), scenario->turns.size());
  return true;
}

}  // namespace

int ImportCommand(const ImportOptions& options) {
  auto import_options = MakeImportOptions(options);
  if (!import_options) {
    fmt::print(stderr, "error: {}\n", import_options.error());
    return kExitBadInput;
  }
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec) {
    fmt::print(stderr, "error: cannot create {}: {}\n", options.out_dir, ec.message());
    return kExitBadInput;
  }
  bool ok = true;
  for (const auto& file : options.files) {
    auto imported = harness::ImportRecording(file, *import_options);
    if (!imported) {
      fmt::print(stderr, "{}\n", imported.error());
      ok = false;
      continue;
    }
    for (const auto& note : imported->notes) fmt::print(stderr, "note: {}\n", note.ToString());
    for (const auto& cassette : imported->cassettes) {
      ok = WriteConversation(cassette, options.out_dir, !options.no_lift) && ok;
    }
  }
  return ok ? kExitOk : kExitBadInput;
}

}  // namespace agentreplay::app
