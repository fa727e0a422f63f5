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
  // oneTBB's threads; null when concurrency == 1 or with a runner.
  std::unique_ptr<tbb::task_arena> arena;
  // The runtime's parallel runner (null: oneTBB), and its argument.
  simdnorm_parallel_runner runner = nullptr;
  void* runner_data = nullptr;
  simdnorm::internal::TuningTable tuning;
  // Why tuning entries were skipped or the table may not fit (last load).
  std::string tuning_warnings;
  // Default context: why the environment's target could not be used.
  std::string target_warnings;
  // Both of the above, one reason per line (simdnorm_context_warnings).
  std::string warnings;
};

namespace simdnorm::internal {

// A context on all cores and the best target.
std::unique_ptr<simdnorm_context> MakeContext();
// `function` names the caller in error messages.
simdnorm_status SetContextThreads(const char* function, simdnorm_context* ctx,
                                  int threads);
simdnorm_status SetContextTarget(const char* function, simdnorm_context* ctx,
                                 const char* name);
// See simdnorm_context_set_parallel_runner.
simdnorm_status SetContextRunner(const char* function, simdnorm_context* ctx,
                                 simdnorm_parallel_runner runner,
                                 void* user_data, int max_concurrency);
// Sets one kind of warnings and rebuilds ctx->warnings.
void SetWarnings(simdnorm_context* ctx, std::string simdnorm_context::*kind,
                 std::string text);

// ctx itself, or the process default when ctx is null. The default context
// always works: a SIMDNORM_TARGET or SIMDNORM_TUNING it cannot use leaves
// the best target or the built-in parameters in place and is reported by
// simdnorm_context_warnings().
const simdnorm_context& ResolveContext(const simdnorm_context* ctx);

}  // namespace simdnorm::internal

#endif  // SIMDNORM_RUNTIME_CONTEXT_H_
