// Thread-local error reporting behind simdnorm_last_error().
#ifndef SIMDNORM_API_ERROR_H_
#define SIMDNORM_API_ERROR_H_

#include <exception>
#include <new>

#include "simdnorm/simdnorm.h"

namespace simdnorm::internal {

// Records a printf-style message for this thread and returns `status`.
simdnorm_status Fail(simdnorm_status status, const char* format, ...)
    __attribute__((format(printf, 2, 3)));

// Runs body() and turns any escaping exception into a status, so that no
// exception (TBB, bad_alloc) ever crosses the C boundary.
template <class Body>
simdnorm_status GuardExceptions(const char* function, const Body& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Fail(SIMDNORM_OUT_OF_MEMORY, "%s: out of memory", function);
  } catch (const std::exception& e) {
    return Fail(SIMDNORM_INTERNAL_ERROR, "%s: %s", function, e.what());
  } catch (...) {
    return Fail(SIMDNORM_INTERNAL_ERROR, "%s: unknown exception", function);
  }
}

}  // namespace simdnorm::internal

#endif  // SIMDNORM_API_ERROR_H_
