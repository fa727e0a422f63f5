#include "tune_report.h"

#include <algorithm>

namespace simdnorm_tune {

std::string FormatSeconds(double seconds) {
  char text[32];
  if (seconds <= 0.0) return "-";
  if (seconds < 1e-6) {
    std::snprintf(text, sizeof(text), "%.0fns", seconds * 1e9);
  } else if (seconds < 1e-3) {
    std::snprintf(text, sizeof(text), "%.2fus", seconds * 1e6);
  } else if (seconds < 1.0) {
    std::snprintf(text, sizeof(text), "%.2fms", seconds * 1e3);
  } else {
    std::snprintf(text, sizeof(text), "%.2fs", seconds);
  }
  return text;
}

void PrintReport(std::FILE* out, const std::vector<GroupOutcome>& groups,
                 const std::vector<SkippedCase>& skipped) {
  size_t width = 4;
  for (const GroupOutcome& g : groups) {
    for (const CaseOutcome& c : g.cases) {
      width = std::max(width, c.tune_case.Label().size());
    }
  }
  const int w = static_cast<int>(width);
  std::fprintf(out, "%-*s  %-7s %10s %10s %8s  %s\n", w, "case", "target",
               "default", "tuned", "speedup", "parameters");
  for (const GroupOutcome& g : groups) {
    for (const CaseOutcome& c : g.cases) {
      const double speedup =
          c.tuned_seconds > 0.0 ? c.default_seconds / c.tuned_seconds : 1.0;
      const std::string params =
          g.kept ? DescribeChanges(g.params) : "defaults: " + g.note;
      std::fprintf(out, "%-*s  %-7s %10s %10s %7.2fx  %s\n", w,
                   c.tune_case.Label().c_str(), g.group.target.c_str(),
                   FormatSeconds(c.default_seconds).c_str(),
                   FormatSeconds(c.tuned_seconds).c_str(), speedup,
                   params.c_str());
    }
  }
  for (const SkippedCase& s : skipped) {
    std::fprintf(out, "%-*s  skipped: %s\n", w, s.label.c_str(),
                 s.reason.c_str());
  }
}

}  // namespace simdnorm_tune
