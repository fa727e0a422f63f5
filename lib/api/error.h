// Thread-local error reporting behind simdnorm_last_error().
#ifndef SIMDNORM_API_ERROR_H_
#define SIMDNORM_API_ERROR_H_

#include <cstddef>
#include <exception>
#include <new>

#include "simdnorm/simdnorm.h"

namespace simdnorm::internal {

// Longest message kept (with its terminating NUL); longer ones are cut.
constexpr size_t kErrorMessageBytes = 512;

// Records a printf-style message for this thread and returns `status`.
simdnorm_status Fail(simdnorm_status status, const char* format, ...)
    __attribute__((format(printf, 2, 3)));

// Keeps this thread's last error as it was when constructed: for work
// that may fail internally without the caller's call failing (setting up
// the default context from the environment).
class PreserveLastError {
 public:
  PreserveLastError();
  ~PreserveLastError();
  PreserveLastError(const PreserveLastError&) = delete;
  PreserveLastError& operator=(const PreserveLastError&) = delete;

 private:
  char saved_[kErrorMessageBytes];
};

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

// For functions that change a caller's context: no exception escapes, and
// a null ctx is rejected (the process default context is read-only).
template <class Context, class Body>
simdnorm_status WithCallerContext(const char* function, Context* ctx,
                                  const Body& body) {
  return GuardExceptions(function, [&] {
    if (ctx == nullptr) {
      return Fail(SIMDNORM_INVALID_ARGUMENT,
                  "%s: ctx is null (the default context cannot be changed: "
                  "create a context, or use SIMDNORM_TARGET and "
                  "SIMDNORM_TUNING)",
                  function);
    }
    return body(ctx);
  });
}

}  // namespace simdnorm::internal

#endif  // SIMDNORM_API_ERROR_H_
