// A reporter renders a results document for people or tools. Reporters only format what the
// results hold; statistics are computed once, by the harness.
#pragma once

#include <memory>
#include <ostream>
#include <string_view>
#include <vector>

#include "results/result_model.h"

namespace agentreplay::reports {

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void Report(const results::Results& results, std::ostream& out) = 0;
};

// The reporter for `format` (one of ReporterFormats()), or null when the format is unknown.
std::unique_ptr<Reporter> MakeReporter(std::string_view format);

// The formats MakeReporter knows, in the order help texts list them.
std::vector<std::string_view> ReporterFormats();

}  // namespace agentreplay::reports
