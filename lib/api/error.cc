#include "api/error.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "api/validate.h"

namespace simdnorm::internal {
namespace {
thread_local char g_last_error[kErrorMessageBytes] = "";
}  // namespace

PreserveLastError::PreserveLastError() {
  std::memcpy(saved_, g_last_error, sizeof(saved_));
}

PreserveLastError::~PreserveLastError() {
  std::memcpy(g_last_error, saved_, sizeof(saved_));
}

simdnorm_status Fail(simdnorm_status status, const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::vsnprintf(g_last_error, sizeof(g_last_error), format, args);
  va_end(args);
  return status;
}

}  // namespace simdnorm::internal

extern "C" {

const char* simdnorm_last_error(void) { return simdnorm::internal::g_last_error; }

const char* simdnorm_status_string(simdnorm_status status) {
  // A C caller may pass any int: read it as one (see RawEnumValue).
  switch (simdnorm::internal::RawEnumValue(status)) {
    case SIMDNORM_OK:
      return "ok";
    case SIMDNORM_INVALID_ARGUMENT:
      return "invalid argument";
    case SIMDNORM_UNSUPPORTED:
      return "unsupported";
    case SIMDNORM_OUT_OF_MEMORY:
      return "out of memory";
    case SIMDNORM_INTERNAL_ERROR:
      return "internal error";
    case SIMDNORM_TUNING_ERROR:
      return "tuning file error";
  }
  return "unknown status";
}

}  // extern "C"
