// The context behind simdnorm_context: threads, pinned ISA target, tuning.
#ifndef SIMDNORM_RUNTIME_CONTEXT_H_
#define SIMDNORM_RUNTIME_CONTEXT_H_

#include <memory>
#include <string>

#include <tbb/task_arena.h>

#include "runtime/kernel_set.h"
#include "runtime/tuning.h"
#include "simdnorm/simdnorm.h"

struct simdnorm_context {
  int requested_threads = 0;  // 0 = all cores
  int concurrency = 1;        // threads the ops may use, >= 1
  simdnorm::internal::KernelSet kernels;
  std::unique_ptr<tbb::task_arena> arena;  // null when concurrency == 1
  simdnorm::internal::TuningTable tuning;
  std::string tuning_warnings;
};

namespace simdnorm::internal {

// A context on all cores and the best target.
std::unique_ptr<simdnorm_context> MakeContext();
simdnorm_status SetContextThreads(simdnorm_context* ctx, int threads);
simdnorm_status SetContextTarget(simdnorm_context* ctx, const char* name);

// ctx itself, or the process default when ctx is null. Returns null (with
// the error recorded) if the default context could not be set up from the
// environment (SIMDNORM_TARGET, SIMDNORM_TUNING).
const simdnorm_context* ResolveContext(const simdnorm_context* ctx,
                                       simdnorm_status* status);

}  // namespace simdnorm::internal

#endif  // SIMDNORM_RUNTIME_CONTEXT_H_
