#include "ops/channel_output.h"

#include <algorithm>

namespace simdnorm::internal {
namespace {

// fp32 values per block: with x's block it stays in L1.
constexpr int64_t kBlock = 1024;

// The coefficients of channels from `first` on (no wrap entries).
ChannelCoefficients From(const ChannelCoefficients& k, int64_t first) {
  ChannelCoefficients out;
  out.scale = k.scale ? k.scale + first : nullptr;
  out.scaled_pivot = k.scaled_pivot + first;
  out.mul = k.mul + first;
  out.add = k.add + first;
  return out;
}

const void* PrefetchAt(const void* prefetch, int64_t i, ConstTypedPtr x) {
  return prefetch ? ElementAt(prefetch, i, StorageBytes(x.dtype)) : nullptr;
}

}  // namespace

void NormalizeChannelsFirstInto(const ChannelKernels& kern, ConstTypedPtr x,
                                TypedPtr y, int64_t channels, int64_t spatial,
                                const ChannelCoefficients& k,
                                simdnorm_activation act, bool stream,
                                const void* prefetch,
                                const OutputQuantization& q) {
  if (y.dtype == x.dtype) {
    kern.normalize_channels_first(x.p, y.p, channels, spatial, k, act, stream,
                                  prefetch);
    return;
  }
  alignas(64) float block[kBlock];
  if (spatial >= kBlock) {  // parts of one channel per block
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t s0 = 0; s0 < spatial; s0 += kBlock) {
        const int64_t len = std::min(kBlock, spatial - s0);
        const int64_t at = c * spatial + s0;
        kern.normalize_channels_first_to_f32((x + at).p, block, 1, len,
                                             From(k, c), act,
                                             PrefetchAt(prefetch, at, x));
        kern.quantize(block, (y + at).p, len, q.scale, q.zero_point, y.dtype);
      }
    }
    return;
  }
  const int64_t per_block = kBlock / spatial;  // whole channels per block
  for (int64_t c = 0; c < channels; c += per_block) {
    const int64_t count = std::min(per_block, channels - c);
    const int64_t at = c * spatial;
    kern.normalize_channels_first_to_f32((x + at).p, block, count, spatial,
                                         From(k, c), act,
                                         PrefetchAt(prefetch, at, x));
    kern.quantize(block, (y + at).p, count * spatial, q.scale, q.zero_point,
                  y.dtype);
  }
}

void NormalizeChannelsLastInto(const ChannelKernels& kern, ConstTypedPtr x,
                               TypedPtr y, int64_t rows, int64_t stride,
                               int64_t channels, const ChannelCoefficients& k,
                               simdnorm_activation act, bool stream,
                               const void* prefetch,
                               const OutputQuantization& q) {
  if (y.dtype == x.dtype) {
    kern.normalize_channels_last(x.p, y.p, rows, stride, channels, k, act,
                                 stream, prefetch);
    return;
  }
  alignas(64) float block[kBlock];
  if (channels > kBlock) {  // parts of one row per block
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < channels; c += kBlock) {
        const int64_t len = std::min(kBlock, channels - c);
        const int64_t at = r * stride + c;
        kern.normalize_channels_last_to_f32((x + at).p, block, 1, stride, len,
                                            From(k, c), act,
                                            PrefetchAt(prefetch, at, x));
        kern.quantize(block, (y + at).p, len, q.scale, q.zero_point, y.dtype);
      }
    }
    return;
  }
  // Whole rows per block (the block's rows are dense; from channel 0, so
  // wrapped coefficients still apply).
  const int64_t per_block = kBlock / channels;
  for (int64_t r = 0; r < rows; r += per_block) {
    const int64_t count = std::min(per_block, rows - r);
    const int64_t at = r * stride;
    kern.normalize_channels_last_to_f32((x + at).p, block, count, stride,
                                        channels, k, act,
                                        PrefetchAt(prefetch, at, x));
    if (stride == channels) {
      kern.quantize(block, (y + at).p, count * channels, q.scale, q.zero_point,
                    y.dtype);
      continue;
    }
    for (int64_t j = 0; j < count; ++j) {
      kern.quantize(block + j * channels, (y + at + j * stride).p, channels,
                    q.scale, q.zero_point, y.dtype);
    }
  }
}

}  // namespace simdnorm::internal
