// Argument checks shared by the GroupNorm/InstanceNorm and BatchNorm C API.
#ifndef SIMDNORM_API_CHANNEL_VALIDATE_H_
#define SIMDNORM_API_CHANNEL_VALIDATE_H_

#include <cstdint>

#include "api/validate.h"
#include "api/widened_params.h"
#include "ops/channel_output.h"
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

// y's quantization from a validated quantized output type: without an
// activation, 1 / scale is folded into gamma and beta (params, widened
// already) when that stays finite, so the normalize pass yields y / scale
// itself and the quantize step has scale 1. An activation needs the
// unscaled value, so then the quantize step divides.
OutputQuantization ChannelOutputQuantization(const OutputType& out,
                                             simdnorm_activation act,
                                             WidenedParams* params);

// The batch strides of x and y (0 = dense, channels * spatial) resolved;
// each must be >= channels * spatial, and the view must fit. After
// CheckChannelShape.
template <class Args>
simdnorm_status ResolveBatchStrides(const char* op, const Args& args,
                                    int64_t* x_batch_stride,
                                    int64_t* y_batch_stride) {
  const int64_t sample = args.channels * args.spatial;
  SIMDNORM_CHECK(ResolveRowStride(op, "x_batch_stride", args.x_batch_stride,
                                  args.batch, sample, x_batch_stride,
                                  "channels * spatial"));
  return ResolveRowStride(op, "y_batch_stride", args.y_batch_stride, args.batch,
                          sample, y_batch_stride, "channels * spatial");
}

}  // namespace simdnorm::internal

#endif  // SIMDNORM_API_CHANNEL_VALIDATE_H_
