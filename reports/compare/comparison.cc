#include "reports/compare/comparison.h"

namespace agentreplay::reports {

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kRegression:
      return "regression";
    case Verdict::kImprovement:
      return "improvement";
    case Verdict::kInsufficient:
      return "insufficient";
    case Verdict::kNoChange:
      break;
  }
  return "no_change";
}

}  // namespace agentreplay::reports
