// Library-wide C API: version, targets and contexts.
#include <string>

#include "api/error.h"
#include "runtime/context.h"
#include "runtime/targets.h"
#include "runtime/tuning_file.h"
#include "simdnorm/simdnorm.h"

using simdnorm::internal::Fail;
using simdnorm::internal::GuardExceptions;

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
  return GuardExceptions(function, [&] {
    if (ctx == nullptr) {
      return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: ctx is null", function);
    }
    return simdnorm::internal::SetContextThreads(ctx, threads);
  });
}

int simdnorm_context_threads(const simdnorm_context* ctx) {
  simdnorm_status status;
  const simdnorm_context* c = simdnorm::internal::ResolveContext(ctx, &status);
  return c ? c->concurrency : 0;
}

simdnorm_status simdnorm_context_set_target(simdnorm_context* ctx,
                                            const char* target) {
  const char* const function = __func__;  // in the lambda it is operator()
  return GuardExceptions(function, [&] {
    if (ctx == nullptr) {
      return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: ctx is null", function);
    }
    return simdnorm::internal::SetContextTarget(ctx, target);
  });
}

const char* simdnorm_context_target(const simdnorm_context* ctx) {
  simdnorm_status status;
  const simdnorm_context* c = simdnorm::internal::ResolveContext(ctx, &status);
  return c ? simdnorm::internal::TargetName(c->kernels.target) : "none";
}

simdnorm_status simdnorm_context_load_tuning(simdnorm_context* ctx,
                                             const char* path) {
  const char* const function = __func__;  // in the lambda it is operator()
  return GuardExceptions(function, [&] {
    if (ctx == nullptr || path == nullptr) {
      return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: %s is null", function,
                  ctx == nullptr ? "ctx" : "path");
    }
    return simdnorm::internal::LoadTuningFile(path, ctx);
  });
}

const char* simdnorm_context_tuning_warnings(const simdnorm_context* ctx) {
  simdnorm_status status;
  const simdnorm_context* c = simdnorm::internal::ResolveContext(ctx, &status);
  return c ? c->tuning_warnings.c_str() : "";
}

}  // extern "C"
