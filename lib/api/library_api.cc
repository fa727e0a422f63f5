// Library-wide C API: version, targets and contexts.
#include <string>

#include "api/error.h"
#include "runtime/context.h"
#include "runtime/targets.h"
#include "runtime/tuning_file.h"
#include "simdnorm/simdnorm.h"

using simdnorm::Fail;
using simdnorm::GuardExceptions;

extern "C" {

const char* simdnorm_version(void) { return SIMDNORM_VERSION_STRING; }

const char* simdnorm_compiled_targets(void) {
  static const std::string list =
      simdnorm::TargetList(simdnorm::CompiledTargets());
  return list.c_str();
}

const char* simdnorm_supported_targets(void) {
  static const std::string list =
      simdnorm::TargetList(simdnorm::SupportedTargets());
  return list.c_str();
}

const char* simdnorm_best_target(void) {
  return simdnorm::TargetName(simdnorm::BestTarget());
}

simdnorm_status simdnorm_context_create(simdnorm_context** out) {
  const char* const function = __func__;  // in the lambda it is operator()
  return GuardExceptions(function, [&] {
    if (out == nullptr) {
      return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: out is null", function);
    }
    *out = simdnorm::MakeContext().release();
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
    return simdnorm::SetContextThreads(ctx, threads);
  });
}

int simdnorm_context_threads(const simdnorm_context* ctx) {
  simdnorm_status status;
  const simdnorm_context* c = simdnorm::ResolveContext(ctx, &status);
  return c ? c->concurrency : 0;
}

simdnorm_status simdnorm_context_set_target(simdnorm_context* ctx,
                                            const char* target) {
  const char* const function = __func__;  // in the lambda it is operator()
  return GuardExceptions(function, [&] {
    if (ctx == nullptr) {
      return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: ctx is null", function);
    }
    return simdnorm::SetContextTarget(ctx, target);
  });
}

const char* simdnorm_context_target(const simdnorm_context* ctx) {
  simdnorm_status status;
  const simdnorm_context* c = simdnorm::ResolveContext(ctx, &status);
  return c ? simdnorm::TargetName(c->kernels.target) : "none";
}

simdnorm_status simdnorm_context_load_tuning(simdnorm_context* ctx,
                                             const char* path) {
  const char* const function = __func__;  // in the lambda it is operator()
  return GuardExceptions(function, [&] {
    if (ctx == nullptr || path == nullptr) {
      return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: %s is null", function,
                  ctx == nullptr ? "ctx" : "path");
    }
    return simdnorm::LoadTuningFile(path, ctx);
  });
}

const char* simdnorm_context_tuning_warnings(const simdnorm_context* ctx) {
  simdnorm_status status;
  const simdnorm_context* c = simdnorm::ResolveContext(ctx, &status);
  return c ? c->tuning_warnings.c_str() : "";
}

}  // extern "C"
