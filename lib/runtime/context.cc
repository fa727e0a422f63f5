#include "runtime/context.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
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
  SetContextThreads(ctx.get(), 0);
  return ctx;
}

simdnorm_status SetContextThreads(simdnorm_context* ctx, int threads) {
  if (threads < 0 || threads > SIMDNORM_MAX_THREADS) {
    return Fail(SIMDNORM_INVALID_ARGUMENT,
                "threads (%d) must be in [0, %d] (0 = all cores)", threads,
                SIMDNORM_MAX_THREADS);
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

simdnorm_status SetContextTarget(simdnorm_context* ctx, const char* name) {
  int64_t target = BestTarget();
  if (name != nullptr && std::strcmp(name, "best") != 0) {
    target = TargetFromName(name);
    if (target == 0) {
      return Fail(SIMDNORM_UNSUPPORTED,
                  "target \"%s\" is not compiled into simdnorm (compiled: %s)",
                  name, TargetList(CompiledTargets()).c_str());
    }
    if ((SupportedTargets() & target) == 0) {
      return Fail(SIMDNORM_UNSUPPORTED,
                  "target \"%s\" is not supported by this CPU (supported: %s)",
                  name, TargetList(SupportedTargets()).c_str());
    }
  }
  KernelSet kernels;
  if (!ResolveKernelSet(target, &kernels)) {
    return Fail(SIMDNORM_INTERNAL_ERROR, "kernels for target %s are missing",
                TargetName(target));
  }
  ctx->kernels = kernels;
  return SIMDNORM_OK;
}

namespace {

struct DefaultContext {
  std::unique_ptr<simdnorm_context> ctx;
  simdnorm_status status = SIMDNORM_OK;
  std::string error;
};

DefaultContext* MakeDefaultContext() {
  auto* result = new DefaultContext;  // lives until exit, by design
  result->ctx = MakeContext();
  const char* target = std::getenv("SIMDNORM_TARGET");
  if (target != nullptr && target[0] != '\0') {
    result->status = SetContextTarget(result->ctx.get(), target);
    if (result->status != SIMDNORM_OK) {
      result->error = std::string("SIMDNORM_TARGET: ") + simdnorm_last_error();
      return result;
    }
  }
  const char* tuning = std::getenv("SIMDNORM_TUNING");
  if (tuning != nullptr && tuning[0] != '\0') {
    result->status = LoadTuningFile(tuning, result->ctx.get());
    if (result->status != SIMDNORM_OK) {
      result->error = std::string("SIMDNORM_TUNING: ") + simdnorm_last_error();
    }
  }
  return result;
}

}  // namespace

const simdnorm_context* ResolveContext(const simdnorm_context* ctx,
                                       simdnorm_status* status) {
  *status = SIMDNORM_OK;
  if (ctx != nullptr) return ctx;
  static const DefaultContext* const default_context = MakeDefaultContext();
  if (default_context->status != SIMDNORM_OK) {
    *status = Fail(default_context->status, "default context: %s",
                   default_context->error.c_str());
    return nullptr;
  }
  return default_context->ctx.get();
}

}  // namespace simdnorm::internal
