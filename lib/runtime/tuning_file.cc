#include "runtime/tuning_file.h"

#include "api/error.h"

namespace simdnorm {

simdnorm_status LoadTuningFile(const char* path, simdnorm_context*) {
  return Fail(SIMDNORM_UNSUPPORTED, "tuning files are not supported yet (%s)",
              path);
}

}  // namespace simdnorm
