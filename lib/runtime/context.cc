#include "runtime/context.h"

#include <strings.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include <tbb/global_control.h>
#include <tbb/info.h>

#include "api/error.h"
#include "runtime/targets.h"
#include "runtime/tuning_file.h"

namespace simdnorm::internal {

std::unique_ptr<simdnorm_context> MakeContext() {
  auto ctx = std::make_unique<simdnorm_context>();
  ResolveKernelSet(BestTarget(), &ctx->kernels);
  SetContextThreads("MakeContext", ctx.get(), 0);
  return ctx;
}

simdnorm_status SetContextThreads(const char* function, simdnorm_context* ctx,
                                  int threads) {
  if (ctx->runner != nullptr) {
    return Fail(SIMDNORM_INVALID_ARGUMENT,
                "%s: the context has a parallel runner, whose max_concurrency "
                "sets its threads (remove the runner first: NULL runner)",
                function);
  }
  if (threads < 0 || threads > SIMDNORM_MAX_THREADS) {
    return Fail(SIMDNORM_INVALID_ARGUMENT,
                "%s: threads (%d) must be in [0, %d] (0 = all cores)", function,
                threads, SIMDNORM_MAX_THREADS);
  }
  // Never more threads than the process may run on (its affinity mask, or
  // a global_control limit set by the embedder): oneTBB would print a
  // warning to stderr and run fewer workers anyway.
  const int available = static_cast<int>(std::min<size_t>(
      static_cast<size_t>(std::max(1, tbb::info::default_concurrency())),
      tbb::global_control::active_value(
          tbb::global_control::max_allowed_parallelism)));
  const int concurrency = threads == 0 ? available : std::min(threads, available);
  std::unique_ptr<tbb::task_arena> arena;
  if (concurrency > 1) arena = std::make_unique<tbb::task_arena>(concurrency);
  ctx->requested_threads = threads;
  ctx->concurrency = concurrency;
  ctx->arena = std::move(arena);
  return SIMDNORM_OK;
}

simdnorm_status SetContextTarget(const char* function, simdnorm_context* ctx,
                                 const char* name) {
  int64_t target = BestTarget();
  if (name != nullptr && ::strcasecmp(name, "best") != 0) {
    target = TargetFromName(name);
    // Names are echoed cut short: they come from callers and environments.
    if (target == 0) {
      return Fail(SIMDNORM_UNSUPPORTED,
                  "%s: target \"%.64s\" is not compiled into simdnorm "
                  "(accepted, in any case: %s)",
                  function, name, AcceptedTargetNames().c_str());
    }
    if ((SupportedTargets() & target) == 0) {
      return Fail(SIMDNORM_UNSUPPORTED,
                  "%s: target \"%.64s\" is not supported by this CPU "
                  "(supported: %s)",
                  function, name, TargetList(SupportedTargets()).c_str());
    }
  }
  KernelSet kernels;
  if (!ResolveKernelSet(target, &kernels)) {
    return Fail(SIMDNORM_INTERNAL_ERROR,
                "%s: kernels for target %s are missing", function,
                TargetName(target));
  }
  ctx->kernels = kernels;
  return SIMDNORM_OK;
}

simdnorm_status SetContextRunner(const char* function, simdnorm_context* ctx,
                                 simdnorm_parallel_runner runner,
                                 void* user_data, int max_concurrency) {
  if (runner == nullptr) {
    ctx->runner = nullptr;
    ctx->runner_data = nullptr;
    return SetContextThreads(function, ctx, ctx->requested_threads);
  }
  if (max_concurrency < 1 || max_concurrency > SIMDNORM_MAX_THREADS) {
    return Fail(SIMDNORM_INVALID_ARGUMENT,
                "%s: max_concurrency (%d) must be in [1, %d]", function,
                max_concurrency, SIMDNORM_MAX_THREADS);
  }
  ctx->runner = runner;
  ctx->runner_data = user_data;
  ctx->concurrency = max_concurrency;
  ctx->arena.reset();
  return SIMDNORM_OK;
}

void SetWarnings(simdnorm_context* ctx, std::string simdnorm_context::*kind,
                 std::string text) {
  ctx->*kind = std::move(text);
  ctx->warnings = ctx->target_warnings;
  if (!ctx->warnings.empty() && !ctx->tuning_warnings.empty()) {
    ctx->warnings += '\n';
  }
  ctx->warnings += ctx->tuning_warnings;
}

namespace {

// The environment's settings, each applied if it can be: a problem with
// one becomes a warning and leaves the default in place. Named after the
// variable in messages.
std::unique_ptr<simdnorm_context> MakeDefaultContext() {
  // Setting up is not a call of the caller's that failed.
  const PreserveLastError keep_last_error;
  std::unique_ptr<simdnorm_context> ctx = MakeContext();
  const char* target = std::getenv("SIMDNORM_TARGET");
  if (target != nullptr && target[0] != '\0' &&
      SetContextTarget("SIMDNORM_TARGET", ctx.get(), target) != SIMDNORM_OK) {
    SetWarnings(ctx.get(), &simdnorm_context::target_warnings,
                std::string(simdnorm_last_error()) +
                    "; the default context runs on " +
                    TargetName(ctx->kernels.target));
  }
  const char* tuning = std::getenv("SIMDNORM_TUNING");
  if (tuning != nullptr && tuning[0] != '\0' &&
      LoadTuningFile("SIMDNORM_TUNING", tuning, ctx.get()) != SIMDNORM_OK) {
    SetWarnings(ctx.get(), &simdnorm_context::tuning_warnings,
                std::string(simdnorm_last_error()) +
                    "; the default context uses the built-in parameters");
  }
  return ctx;
}

}  // namespace

const simdnorm_context& ResolveContext(const simdnorm_context* ctx) {
  if (ctx != nullptr) return *ctx;
  // Lives until exit, by design.
  static const simdnorm_context* const default_context =
      MakeDefaultContext().release();
  return *default_context;
}

}  // namespace simdnorm::internal
