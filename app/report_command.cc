// The `report` subcommand, and what `run` shares with it: rendering finished results in the
// selected formats and pushing their metrics to a Prometheus Pushgateway.
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <variant>

#include "app/commands.h"
#include "app/terminal.h"
#include "core/task.h"
#include "harness/real/blocking_http_transport.h"
#include "reports/compare/compare.h"
#include "reports/prometheus_reporter.h"
#include "reports/pushgateway.h"
#include "reports/report_files.h"
#include "reports/reporter.h"
#include "results/results_json.h"

namespace agentreplay::app {
namespace {

// Runs a task of the blocking transport, which completes before Send() returns.
template <typename T>
std::optional<T> RunBlocking(Task<T> task) {
  std::optional<T> out;
  Spawn([](Task<T> t, std::optional<T>& o) -> Task<void> { o.emplace(co_await t); }(std::move(task),
                                                                                    out),
        [](std::exception_ptr) {});
  return out;
}

// PUTs the Prometheus text of `results` to the gateway at `url`, grouped by job and world (so a
// simulated and a real run do not replace each other's metrics). Returns "" or what went wrong.
std::string PushToGateway(const results::Results& results, const std::string& url,
                          const std::string& job) {
  const auto target = reports::ParsePushUrl(url);
  if (!target) return target.error();
  std::ostringstream body;
  reports::PrometheusReporter(reports::MetricsFlavor::kPrometheus).Report({results}, body);
  HttpRequest request;
  request.method = "PUT";
  request.target = reports::PushPath(*target, job, {{"world", results.context.world}});
  request.headers = {{"Content-Type", std::string(reports::MetricsContentType(
                                          reports::MetricsFlavor::kPrometheus))}};
  request.body = body.str();
  harness::BlockingHttpTransport transport(target->host, target->port);
  std::optional<HttpResponse> response = RunBlocking(transport.Send(request));
  if (!response) return fmt::format("push to {} did not complete", url);
  if (response->error) {
    return fmt::format("push to {}{}: {}", url, request.target, response->error->message);
  }
  std::string answer;
  if (response->body != nullptr) {
    if (std::optional<BodyChunk> chunk = RunBlocking(ReadAll(*response->body))) {
      answer = chunk->bytes;
    }
  }
  if (response->status < 200 || response->status >= 300) {
    return fmt::format("push to {}{}: HTTP {}{}", url, request.target, response->status,
                       answer.empty() ? "" : ": " + answer.substr(0, 300));
  }
  return "";
}

bool HasBaselines(const results::Results& results) {
  for (const results::Cell& cell : results.cells) {
    if (!cell.baseline.empty()) return true;
  }
  return false;
}

}  // namespace

bool CheckReportFormats(const std::vector<std::string>& formats) {
  const std::vector<std::string> unknown = reports::UnknownFormats(formats);
  if (unknown.empty()) return true;
  std::string known;
  for (std::string_view format : reports::ReporterFormats()) {
    known += (known.empty() ? "" : ", ") + std::string(format);
  }
  for (const std::string& format : unknown) {
    fmt::print(stderr, "error: --format: unknown format '{}' (known: {})\n", format, known);
  }
  return false;
}

bool WriteReportOutputs(const results::Results& results, const std::vector<std::string>& formats,
                        const std::string& out_dir, const std::vector<std::string>& skip,
                        const std::string& push_url, const std::string& job, size_t console_width) {
  // Cells that name a baseline are compared with it: the changes, markers and verdicts reporters
  // show for a single run.
  std::optional<reports::Comparison> comparison;
  if (HasBaselines(results)) comparison = reports::CompareWithinRun(results);
  const reports::ReportInput input{results, comparison ? &*comparison : nullptr, console_width};
  const reports::WrittenReports written =
      reports::WriteReports(input, formats, out_dir, std::cout, skip);
  for (const auto& file : written.files) fmt::print(stderr, "wrote {}\n", file.string());
  bool ok = written.errors.empty();
  for (const std::string& error : written.errors) fmt::print(stderr, "error: {}\n", error);
  if (!push_url.empty()) {
    if (const std::string error = PushToGateway(results, push_url, job); !error.empty()) {
      fmt::print(stderr, "error: {}\n", error);
      ok = false;
    } else {
      fmt::print(stderr, "pushed metrics to {}\n", push_url);
    }
  }
  return ok;
}

int ReportCommand(const ReportOptions& options) {
  if (!CheckReportFormats(options.formats)) return kExitBadInput;
  auto read = results::LoadResultsFile(options.results_file);
  if (!read) {
    fmt::print(stderr, "error: {}\n", read.error());
    return kExitBadInput;
  }
  const results::Results& results = *read;
  return WriteReportOutputs(results, options.formats, options.out_dir, {}, options.push_url,
                            options.job, ConsoleWidth(options.wide))
             ? kExitOk
             : kExitBadInput;
}

}  // namespace agentreplay::app
