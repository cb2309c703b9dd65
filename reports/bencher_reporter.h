// Bencher Metric Format (BMF) JSON: {benchmark: {measure: {value, lower_value?, upper_value?}}}.
// A benchmark per cell (BenchmarkName), a measure per summarised catalog metric with the metric
// name in kebab case as its slug ("ttft-ms", "requests"; Bencher creates unknown measures),
// value the median, lower/upper the median's 95% confidence interval when the results have one.
// Every measured cell also has the measure "error-rate" (percent of its turns that ended in an
// error), so a cell whose turns all failed is reported instead of left out.
#pragma once

#include "reports/reporter.h"

namespace agentreplay::reports {

class BencherReporter : public Reporter {
 public:
  void Report(const ReportInput& input, std::ostream& out) override;
  std::string_view DefaultFileName() const override { return "bencher.json"; }
};

}  // namespace agentreplay::reports
