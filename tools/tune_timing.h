// Timing one case: samples of many calls, and paired comparisons of two
// settings whose samples alternate, so that a change in machine load (other
// processes on a shared machine) hits both settings alike.
#ifndef SIMDNORM_TOOLS_TUNE_TIMING_H_
#define SIMDNORM_TOOLS_TUNE_TIMING_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "simdnorm/simdnorm.h"
#include "tune_cases.h"
#include "tune_workspace.h"

namespace simdnorm_tune {

double Now();  // seconds, monotonic

double MedianOf(std::vector<double> values);

class CaseClock {
 public:
  // A run of calls lasts at least this long (many calls for small
  // problems), so that timer resolution and call overhead do not matter,
  // yet short enough that few runs are hit by a scheduler time slice.
  static constexpr double kMinSampleSeconds = 0.0005;
  static constexpr int kRunsPerSample = 3;

  CaseClock(Workspace* workspace, simdnorm_context* ctx, const TuneCase& c)
      : workspace_(workspace), ctx_(ctx), case_(&c) {}

  // Runs the op (a failure means the op cannot be tuned here) and picks
  // the calls per sample.
  simdnorm_status Calibrate();
  // Seconds per call in one sample: the fastest of kRunsPerSample
  // back-to-back runs of calls. Other processes taking the CPU only ever
  // add time, so the fastest run of a short burst is the undisturbed cost
  // unless all were hit; medians over samples then absorb the rest.
  double Sample();
  // Seconds per call measured by Calibrate() (a single run: rough).
  double CallSeconds() const { return seconds_per_call_; }
  // Wall time of one Sample().
  double SampleCost() const {
    return kRunsPerSample * calls_per_sample_ * seconds_per_call_;
  }

 private:
  Workspace* workspace_;
  simdnorm_context* ctx_;
  const TuneCase* case_;
  double Run();  // seconds per call over one run of calls

  int64_t calls_per_sample_ = 1;  // calls per run
  double seconds_per_call_ = 0.0;
};

// Seconds per call of settings A and B, each the median of `rounds`
// samples taken alternately (AB, BA, AB, ...) after a warm-up sample of
// each. select(false) switches to A, select(true) to B.
struct PairedTimes {
  double a = 0.0;
  double b = 0.0;
};
PairedTimes ComparePaired(CaseClock& clock,
                          const std::function<void(bool use_b)>& select,
                          int rounds);
// Wall time of ComparePaired(clock, ..., rounds).
inline double PairedCost(const CaseClock& clock, int rounds) {
  return 2.0 * (rounds + 1) * clock.SampleCost();
}

}  // namespace simdnorm_tune

#endif  // SIMDNORM_TOOLS_TUNE_TIMING_H_
