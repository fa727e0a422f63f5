// Library-wide C API: version, targets and contexts.
#include <string>

#include "api/error.h"
#include "runtime/context.h"
#include "runtime/targets.h"
#include "runtime/tuning_file.h"
#include "simdnorm/simdnorm.h"

using simdnorm::internal::Fail;
using simdnorm::internal::GuardExceptions;
using simdnorm::internal::ResolveContext;
using simdnorm::internal::WithCallerContext;

extern "C" {

const char* simdnorm_version(void) { return SIMDNORM_VERSION_STRING; }

const char* simdnorm_compiled_targets(void) {
  static const std::string list =
      simdnorm::internal::TargetList(simdnorm::internal::CompiledTargets());
  return list.c_str();
}

const char* simdnorm_supported_targets(void) {
  static const std::string list =
      simdnorm::internal::TargetList(simdnorm::internal::SupportedTargets());
  return list.c_str();
}

const char* simdnorm_best_target(void) {
  return simdnorm::internal::TargetName(simdnorm::internal::BestTarget());
}

simdnorm_status simdnorm_context_create(simdnorm_context** out) {
  const char* const function = __func__;  // in the lambda it is operator()
  return GuardExceptions(function, [&] {
    if (out == nullptr) {
      return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: out is null", function);
    }
    *out = simdnorm::internal::MakeContext().release();
    return SIMDNORM_OK;
  });
}

void simdnorm_context_destroy(simdnorm_context* ctx) { delete ctx; }

simdnorm_status simdnorm_context_set_threads(simdnorm_context* ctx,
                                             int threads) {
  const char* const function = __func__;  // in the lambda it is operator()
  return WithCallerContext(function, ctx, [&](simdnorm_context* c) {
    return simdnorm::internal::SetContextThreads(function, c, threads);
  });
}

simdnorm_status simdnorm_context_set_parallel_runner(
    simdnorm_context* ctx, simdnorm_parallel_runner runner, void* user_data,
    int max_concurrency) {
  const char* const function = __func__;  // in the lambda it is operator()
  return WithCallerContext(function, ctx, [&](simdnorm_context* c) {
    return simdnorm::internal::SetContextRunner(function, c, runner, user_data,
                                                max_concurrency);
  });
}

int simdnorm_context_threads(const simdnorm_context* ctx) {
  return ResolveContext(ctx).concurrency;
}

simdnorm_status simdnorm_context_set_target(simdnorm_context* ctx,
                                            const char* target) {
  const char* const function = __func__;  // in the lambda it is operator()
  return WithCallerContext(function, ctx, [&](simdnorm_context* c) {
    return simdnorm::internal::SetContextTarget(function, c, target);
  });
}

const char* simdnorm_context_target(const simdnorm_context* ctx) {
  return simdnorm::internal::TargetName(ResolveContext(ctx).kernels.target);
}

simdnorm_status simdnorm_context_load_tuning(simdnorm_context* ctx,
                                             const char* path) {
  const char* const function = __func__;  // in the lambda it is operator()
  return WithCallerContext(function, ctx, [&](simdnorm_context* c) {
    if (path == nullptr) {
      return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: path is null", function);
    }
    return simdnorm::internal::LoadTuningFile(function, path, c);
  });
}

simdnorm_status simdnorm_context_load_tuning_from_memory(simdnorm_context* ctx,
                                                         const char* data,
                                                         size_t size) {
  const char* const function = __func__;  // in the lambda it is operator()
  return WithCallerContext(function, ctx, [&](simdnorm_context* c) {
    if (data == nullptr) {
      return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: data is null", function);
    }
    return simdnorm::internal::LoadTuningText(function, data, size, c);
  });
}

const char* simdnorm_context_tuning_warnings(const simdnorm_context* ctx) {
  return ResolveContext(ctx).tuning_warnings.c_str();
}

const char* simdnorm_context_warnings(const simdnorm_context* ctx) {
  return ResolveContext(ctx).warnings.c_str();
}

}  // extern "C"
