// The `compare` subcommand: two result files (or two selections of one) judged by a gate.
// Exit 0 when the gate passes, 1 when it fails (a regression, or a missing cell it counts), 2 when
// an input is bad (unreadable or invalid file, bad selector, bad gate, unknown format).
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "app/commands.h"
#include "reports/compare/compare.h"
#include "reports/compare/comparison_text.h"
#include "reports/compare/gate.h"
#include "reports/report_files.h"
#include "results/results_json.h"

namespace agentreplay::app {
namespace {

constexpr int kExitRegression = 1;  // the gate failed

std::optional<results::Results> ReadResultsFile(const std::string& file) {
  auto read = results::LoadResultsFile(file);
  if (!read) {
    fmt::print(stderr, "error: {}\n", read.error());
    return std::nullopt;
  }
  return std::move(*read);
}

std::optional<reports::Selector> ParseSide(const std::string& text, std::string_view option) {
  auto parsed = reports::ParseSelector(text);
  if (!parsed) {
    fmt::print(stderr, "error: {}: {}\n", option, parsed.error());
    return std::nullopt;
  }
  return std::move(*parsed);
}

std::string SourceName(const std::string& file, const reports::Selector& selector) {
  return selector.equals.empty() ? file : fmt::format("{} [{}]", file, selector.ToString());
}

}  // namespace

int CompareCommand(const CompareOptions& options) {
  const auto base_selector = ParseSide(options.base_selector, "--base");
  const auto head_selector = ParseSide(options.head_selector, "--head");
  if (!base_selector || !head_selector) return kExitBadInput;
  const bool one_file = options.head_file.empty();
  if (one_file && base_selector->equals == head_selector->equals) {
    fmt::print(stderr,
               "error: both sides select the same cells of {}: give a second file, or --base and "
               "--head selectors that differ (e.g. --base variant=baseline --head variant=p0)\n",
               options.base_file);
    return kExitBadInput;
  }
  const std::vector<std::string> unknown = reports::UnknownFormats(options.formats);
  if (!unknown.empty()) {
    fmt::print(stderr, "error: --format: unknown format \"{}\"\n", unknown.front());
    return kExitBadInput;
  }

  reports::Gate gate = reports::DefaultGate();
  if (!options.gate_file.empty()) {
    auto loaded = reports::LoadGateFile(options.gate_file);
    if (!loaded) {
      fmt::print(stderr, "error: bad gate file:\n{}\n", loaded.error());
      return kExitBadInput;
    }
    gate = std::move(*loaded);
  }

  const auto base = ReadResultsFile(options.base_file);
  if (!base) return kExitBadInput;
  std::optional<results::Results> head_storage;
  if (!one_file) {
    head_storage = ReadResultsFile(options.head_file);
    if (!head_storage) return kExitBadInput;
  }
  const results::Results& head = one_file ? *base : *head_storage;
  const std::string& head_file = one_file ? options.base_file : options.head_file;

  auto compared = reports::Compare(*base, *base_selector, head, *head_selector, gate,
                                   SourceName(options.base_file, *base_selector),
                                   SourceName(head_file, *head_selector));
  if (!compared) {
    fmt::print(stderr, "error: {}\n", compared.error());
    return kExitBadInput;
  }
  const reports::Comparison& comparison = *compared;

  bool console = false;
  std::vector<std::string> files;
  for (const std::string& format : options.formats) {
    if (format == "console") {
      console = true;
    } else {
      files.push_back(format);
    }
  }
  if (console) reports::WriteComparisonText(comparison, std::cout);
  if (!files.empty()) {
    const reports::WrittenReports written =
        reports::WriteReports(reports::ReportInput{head, &comparison}, files,
                              options.out_dir.empty() ? "." : options.out_dir, std::cout);
    for (const std::string& error : written.errors) fmt::print(stderr, "error: {}\n", error);
    for (const auto& file : written.files) std::cout << "wrote " << file.string() << '\n';
    if (!written.errors.empty()) return kExitBadInput;
  }
  return comparison.passed ? kExitOk : kExitRegression;
}

}  // namespace agentreplay::app
