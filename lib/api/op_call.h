// The common shape of every op entry point of the C API.
#ifndef SIMDNORM_API_OP_CALL_H_
#define SIMDNORM_API_OP_CALL_H_

#include "api/error.h"
#include "api/validate.h"
#include "runtime/context.h"
#include "simdnorm/simdnorm.h"

namespace simdnorm::internal {

// No exception escapes; validate(&problem) checks every argument before
// anything is written; then run(context, problem), with ctx or the default
// context.
template <class Problem, class Validate, class Run>
simdnorm_status ValidateAndRun(const char* op, const simdnorm_context* ctx,
                               const Validate& validate, const Run& run) {
  return GuardExceptions(op, [&] {
    Problem problem;
    SIMDNORM_CHECK(validate(&problem));
    return run(ResolveContext(ctx), problem);
  });
}

}  // namespace simdnorm::internal

#endif  // SIMDNORM_API_OP_CALL_H_
