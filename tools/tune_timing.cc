#include "tune_timing.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace simdnorm_tune {

double Now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double MedianOf(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

simdnorm_status CaseClock::Calibrate() {
  const simdnorm_status status = workspace_->Run(ctx_, *case_);
  if (status != SIMDNORM_OK) return status;
  // The first call paid for page faults and thread start-up; time the next.
  calls_per_sample_ = 1;
  double seconds = Run();
  if (seconds < kMinSampleSeconds / 8) {
    // Tiny problems: time a batch of calls for a usable estimate.
    calls_per_sample_ = static_cast<int64_t>(
        std::ceil(kMinSampleSeconds / 8 / std::max(seconds, 1e-9)));
    seconds = Run();
  }
  seconds_per_call_ = seconds;
  calls_per_sample_ = std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil(kMinSampleSeconds / seconds)));
  return SIMDNORM_OK;
}

double CaseClock::Run() {
  const double start = Now();
  for (int64_t i = 0; i < calls_per_sample_; ++i) {
    workspace_->Run(ctx_, *case_);
  }
  return (Now() - start) / static_cast<double>(calls_per_sample_);
}

double CaseClock::Sample() {
  double fastest = Run();
  for (int i = 1; i < kRunsPerSample; ++i) fastest = std::min(fastest, Run());
  return fastest;
}

PairedTimes ComparePaired(CaseClock& clock,
                          const std::function<void(bool use_b)>& select,
                          int rounds) {
  // Warm-up: caches, TBB workers, each setting's first run.
  select(false);
  clock.Sample();
  select(true);
  clock.Sample();
  std::vector<double> a, b;
  for (int round = 0; round < rounds; ++round) {
    const bool b_first = round % 2 == 1;  // neither always follows the other
    select(b_first);
    (b_first ? b : a).push_back(clock.Sample());
    select(!b_first);
    (b_first ? a : b).push_back(clock.Sample());
  }
  select(false);
  return PairedTimes{MedianOf(a), MedianOf(b)};
}

}  // namespace simdnorm_tune
