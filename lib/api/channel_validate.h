// Argument checks shared by the GroupNorm/InstanceNorm and BatchNorm C API.
#ifndef SIMDNORM_API_CHANNEL_VALIDATE_H_
#define SIMDNORM_API_CHANNEL_VALIDATE_H_

#include <cstdint>

#include "simdnorm/simdnorm.h"

namespace simdnorm::internal {

// layout / act: RawEnumValue of the caller's field.
simdnorm_status CheckLayout(const char* op, int layout);
simdnorm_status CheckActivation(const char* op, int act);
// N >= 0, C >= 1, S >= 1, and the tensor's size.
simdnorm_status CheckChannelShape(const char* op, int64_t batch,
                                  int64_t channels, int64_t spatial);
// param_count is 0 (unchecked) or must equal channels when an array is given.
simdnorm_status CheckParamCount(const char* op, int64_t param_count,
                                int64_t channels, bool any_given);

}  // namespace simdnorm::internal

#endif  // SIMDNORM_API_CHANNEL_VALIDATE_H_
