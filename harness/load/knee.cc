#include "harness/load/knee.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <tuple>

namespace agentreplay::harness {
namespace {

constexpr std::string_view kRateMark = "@rate=";

std::optional<double> Stat(const results::Cell& cell, std::string_view metric,
                           double results::Summary::*field) {
  const results::Summary* s = results::FindStat(cell, metric);
  if (s == nullptr || s->count == 0) return std::nullopt;
  return s->*field;
}

// Grew past `growth` of the reference and at least `floor_ms`.
bool Grew(const std::optional<double>& value, const std::optional<double>& reference, double growth,
          double floor_ms) {
  if (!value || !reference) return false;
  const double allowed = std::max(*reference * growth, floor_ms);
  return *value - *reference > allowed;
}

RatePoint Point(double rate, const results::Cell& cell) {
  RatePoint p;
  p.rate = rate;
  p.cell = &cell;
  using results::Summary;
  p.start_delay_p50 = Stat(cell, "start_delay_ms", &Summary::p50);
  p.start_delay_p99 = Stat(cell, "start_delay_ms", &Summary::p99);
  p.ttft_p50 = Stat(cell, "ttft_from_intended_ms", &Summary::p50);
  p.ttft_p99 = Stat(cell, "ttft_from_intended_ms", &Summary::p99);
  p.e2e_p50 = Stat(cell, "e2e_from_intended_ms", &Summary::p50);
  p.e2e_p99 = Stat(cell, "e2e_from_intended_ms", &Summary::p99);
  p.fidelity_p99 = Stat(cell, "fidelity_ms", &Summary::p99);
  const size_t n = cell.samples.size();
  p.error_rate = n == 0 ? 0.0 : static_cast<double>(cell.error_samples) / static_cast<double>(n);
  return p;
}

void Judge(const RatePoint& ref, RatePoint& p) {
  if (Grew(p.ttft_p50, ref.ttft_p50, kKneeP50Growth, kKneeP50FloorMs)) {
    p.degraded.push_back("ttft p50");
  }
  if (Grew(p.e2e_p50, ref.e2e_p50, kKneeP50Growth, kKneeP50FloorMs)) {
    p.degraded.push_back("e2e p50");
  }
  if (Grew(p.ttft_p99, ref.ttft_p99, kKneeP99Growth, kKneeP99FloorMs)) {
    p.degraded.push_back("ttft p99");
  }
  if (Grew(p.e2e_p99, ref.e2e_p99, kKneeP99Growth, kKneeP99FloorMs)) {
    p.degraded.push_back("e2e p99");
  }
  if (p.fidelity_p99 && ref.fidelity_p99 && *p.fidelity_p99 - *ref.fidelity_p99 > kKneeFidelityMs) {
    p.degraded.push_back("fidelity p99");
  }
  if (p.error_rate - ref.error_rate > kKneeErrorRate) p.degraded.push_back("errors");
}

std::string Ms(const std::optional<double>& v) { return v ? fmt::format("{:.1f}", *v) : "-"; }

}  // namespace

std::optional<double> RateOfVariant(const std::string& variant) {
  const size_t at = variant.rfind(kRateMark);
  if (at == std::string::npos) return std::nullopt;
  const char* begin = variant.c_str() + at + kRateMark.size();
  char* end = nullptr;
  const double rate = std::strtod(begin, &end);
  if (end == begin || std::string_view(end) != "/s" || !(rate > 0)) return std::nullopt;
  return rate;
}

std::vector<RateSeries> FindKnees(const results::Results& results) {
  std::vector<RateSeries> out;
  for (const auto& cell : results.cells) {
    const auto rate = RateOfVariant(cell.variant);
    if (!rate) continue;
    const std::string variant = cell.variant.substr(0, cell.variant.rfind(kRateMark));
    auto it = std::find_if(out.begin(), out.end(), [&](const RateSeries& s) {
      return std::tie(s.scenario, s.runtime, s.variant) ==
             std::tie(cell.scenario, cell.runtime, variant);
    });
    if (it == out.end()) {
      out.push_back(RateSeries{cell.scenario, cell.runtime, variant, {}, std::nullopt});
      it = out.end() - 1;
    }
    it->points.push_back(Point(*rate, cell));
  }
  for (auto& series : out) {
    std::stable_sort(series.points.begin(), series.points.end(),
                     [](const RatePoint& a, const RatePoint& b) { return a.rate < b.rate; });
    for (size_t i = 1; i < series.points.size(); ++i) {
      Judge(series.points.front(), series.points[i]);
      if (!series.knee && !series.points[i].degraded.empty()) series.knee = series.points[i].rate;
    }
  }
  return out;
}

std::string FormatKnees(const std::vector<RateSeries>& series) {
  std::string out;
  for (const auto& s : series) {
    out += fmt::format("\nload: {} / {} / {} (latencies from each session's intended start, ms)\n",
                       s.scenario, s.runtime, s.variant);
    out +=
        fmt::format("  {:>10}  {:>11}  {:>19}  {:>17}  {:>17}  {:>12}  {:>6}\n", "rate/s", "ok/n",
                    "start delay p50/p99", "ttft p50/p99", "e2e p50/p99", "fidelity p99", "errors");
    for (const auto& p : s.points) {
      const size_t n = p.cell->samples.size();
      const auto ok = static_cast<size_t>(static_cast<int64_t>(n) - p.cell->error_samples);
      std::string line = fmt::format(
          "  {:>10}  {:>11}  {:>19}  {:>17}  {:>17}  {:>12}  {:>5.1f}%  {}",
          fmt::format("{}", p.rate), fmt::format("{}/{}", ok, n),
          fmt::format("{} / {}", Ms(p.start_delay_p50), Ms(p.start_delay_p99)),
          fmt::format("{} / {}", Ms(p.ttft_p50), Ms(p.ttft_p99)),
          fmt::format("{} / {}", Ms(p.e2e_p50), Ms(p.e2e_p99)), Ms(p.fidelity_p99),
          100.0 * p.error_rate,
          p.degraded.empty() ? std::string()
                             : fmt::format("degraded: {}", fmt::join(p.degraded, ", ")));
      line.erase(line.find_last_not_of(' ') + 1);
      out += line + "\n";
    }
    if (s.points.size() < 2) {
      out += "  knee: one rate only (give --rate a list to find it)\n";
    } else if (s.knee) {
      out += fmt::format("  knee: {}/s, the first rate that degrades against {}/s\n", *s.knee,
                         s.points.front().rate);
    } else {
      out += fmt::format("  knee: none up to {}/s (nothing degrades against {}/s)\n",
                         s.points.back().rate, s.points.front().rate);
    }
  }
  return out;
}

}  // namespace agentreplay::harness
