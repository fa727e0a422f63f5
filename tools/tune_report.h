// The final table of a tuning run: default vs tuned time per shape.
#ifndef SIMDNORM_TOOLS_TUNE_REPORT_H_
#define SIMDNORM_TOOLS_TUNE_REPORT_H_

#include <cstdio>
#include <string>
#include <vector>

#include "tune_search.h"

namespace simdnorm_tune {

struct SkippedCase {
  std::string label;
  std::string reason;
};

std::string FormatSeconds(double seconds);  // "812ns", "3.21ms", ...

void PrintReport(std::FILE* out, const std::vector<GroupOutcome>& groups,
                 const std::vector<SkippedCase>& skipped);

}  // namespace simdnorm_tune

#endif  // SIMDNORM_TOOLS_TUNE_REPORT_H_
