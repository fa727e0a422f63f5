// The search for one group of cases that share a tuning-table entry
// (same op, layout, storage type, ISA target and shape bucket): a coarse
// grid over the parameters that matter for those shapes, then local
// refinement around the best, then a paired default-vs-candidate
// confirmation. A candidate is kept only if it beats the default by more
// than the measured noise and slows no case down by more than the noise.
#ifndef SIMDNORM_TOOLS_TUNE_SEARCH_H_
#define SIMDNORM_TOOLS_TUNE_SEARCH_H_

#include <functional>
#include <string>
#include <vector>

#include "simdnorm/simdnorm.h"
#include "tune_cases.h"
#include "tune_workspace.h"

namespace simdnorm_tune {

struct TuneGroup {
  std::string target;
  simdnorm_op op;
  simdnorm_layout layout;
  simdnorm_dtype dtype;
  int bucket;
  std::vector<TuneCase> cases;
  double estimated_cost = 0.0;  // seconds for one median of every case
};

// Cases sharing an entry, in first-appearance order, for one target.
std::vector<TuneGroup> GroupCases(const std::vector<TuneCase>& cases,
                                  const std::string& target);

struct CaseOutcome {
  TuneCase tune_case;
  double default_seconds = 0.0;  // per call
  double tuned_seconds = 0.0;    // = default_seconds when not kept
};

struct GroupOutcome {
  TuneGroup group;
  bool kept = false;
  simdnorm_tile_params params;  // the defaults when not kept
  double speedup = 1.0;         // geometric mean over the group's cases
  double best_candidate = 1.0;  // best search score, kept or not
  double noise = 0.0;           // relative spread of the default's medians
  int candidates = 0;           // parameter sets measured
  std::string note;             // why nothing was kept, or ""
  std::vector<CaseOutcome> cases;
};

// Tunes `group` on ctx (already on group.target) within its time slice,
// which ends at `deadline` (seconds on the Now() clock); only the
// confirmation of a found candidate may run on until `run_deadline`, the
// end of the whole run. Leaves the kept parameters (or none) in ctx's
// table. `progress` gets the fraction of the slice used so far.
// `log`, if set, gets one line per measured candidate (--verbose).
GroupOutcome TuneGroupOnContext(
    simdnorm_context* ctx, Workspace* workspace, const TuneGroup& group,
    double deadline, double run_deadline,
    const std::function<void(double)>& progress,
    const std::function<void(const std::string&)>& log);

// "task_bytes=1M chunk_elems=8K" for the fields that differ from the
// defaults, "defaults" if none.
std::string DescribeChanges(const simdnorm_tile_params& params);

}  // namespace simdnorm_tune

#endif  // SIMDNORM_TOOLS_TUNE_SEARCH_H_
