// The normalize passes of GroupNorm, InstanceNorm and BatchNorm into y of
// x's storage type, or into an int8 quantized y (SIMDNORM_S8 / _U8): then
// the values are formed in fp32 blocks on the stack (L1) and each block is
// quantized into y at once, so y is written once and x read once.
#ifndef SIMDNORM_OPS_CHANNEL_OUTPUT_H_
#define SIMDNORM_OPS_CHANNEL_OUTPUT_H_

#include <cstdint>

#include "common/storage.h"
#include "kernels/channel_kernels.h"
#include "simdnorm/simdnorm.h"

namespace simdnorm::internal {

// How a quantized y is formed from the normalized fp32 values v:
// saturate(round_half_even(v / scale) + zero_point). scale is 1 when the
// API folded 1 / y_scale into gamma and beta already.
struct OutputQuantization {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

// ChannelKernels::normalize_channels_first into y, whose dtype is x's or
// an int8 type (quantized with q; `stream` is then ignored).
void NormalizeChannelsFirstInto(const ChannelKernels& kern, ConstTypedPtr x,
                                TypedPtr y, int64_t channels, int64_t spatial,
                                const ChannelCoefficients& k,
                                simdnorm_activation act, bool stream,
                                const void* prefetch,
                                const OutputQuantization& q);

// ChannelKernels::normalize_channels_last into y (row stride `stride` in
// y's elements as in x's), as above.
void NormalizeChannelsLastInto(const ChannelKernels& kern, ConstTypedPtr x,
                               TypedPtr y, int64_t rows, int64_t stride,
                               int64_t channels, const ChannelCoefficients& k,
                               simdnorm_activation act, bool stream,
                               const void* prefetch,
                               const OutputQuantization& q);

}  // namespace simdnorm::internal

#endif  // SIMDNORM_OPS_CHANNEL_OUTPUT_H_
