// Per-(target, storage type) table of the SIMD primitives behind GroupNorm,
// InstanceNorm and BatchNorm. Plain C++ (no Highway): ops/group_norm and
// ops/batch_norm call through these pointers. Contiguous moments (NCHW
// groups, channels) come from RowKernels::moments of the same storage type;
// these add the per-channel parts. Tensor pointers (x, y, prefetch) point
// to elements of the table's storage type (`dtype`), except fp32 and int8
// outputs where named; strides, lengths and offsets count elements;
// coefficients and sums are fp32 / double.
#ifndef SIMDNORM_KERNELS_CHANNEL_KERNELS_H_
#define SIMDNORM_KERNELS_CHANNEL_KERNELS_H_

#include <cstddef>
#include <cstdint>

#include "common/moments.h"
#include "simdnorm/simdnorm.h"

namespace simdnorm::internal {

// Per-channel arrays [channels] of the normalize form
//   y = act((x * scale - scaled_pivot) * mul + add).
// GroupNorm repeats its group's scale/pivot over the group's channels;
// BatchNorm inference has scale 1, pivot = running mean, add = beta.
struct ChannelCoefficients {
  const float* scale = nullptr;  // null: 1 for every channel
  const float* scaled_pivot = nullptr;
  const float* mul = nullptr;
  const float* add = nullptr;
  // Entries past the last channel that repeat the channels cyclically
  // (entry channels + j is entry j % channels): with at least a vector of
  // them, contiguous channels-last rows run as one aligned stream of
  // vectors whose lanes may cross row ends.
  int64_t wrap = 0;
};

// Wrap entries a CoefficientBuffers provides: a vector of the widest
// target (SVE up to 2048 bits).
constexpr int64_t kCoefficientWrap = 64;

struct ChannelKernels {
  int64_t target;  // HWY_* bit of the target these were compiled for
  simdnorm_dtype dtype;  // storage type of x and y
  // Sum and sum of squares of column c of a row-major [rows, >= channels]
  // block (row stride `stride`), one per channel, of v = x * scale[c] -
  // scaled_pivot[c]. Sums run in fp32 lanes down the rows (keep rows to a
  // spatial tile), then go to double. A channel's result does not depend on
  // `channels` or on where its column sits in the block. Reads only.
  void (*column_sums)(const void* x, int64_t rows, int64_t stride,
                      int64_t channels, const float* scale,
                      const float* scaled_pivot, double* sum, double* sum_sq);
  // Per column c of a [rows >= 1, >= channels] block: the median of rows
  // 0, rows / 2 and rows - 1 as fp32 (MedianOf3, the same bits, NaN
  // included): the pivot of a single-channel group. Reads only.
  void (*column_pivots)(const void* x, int64_t rows, int64_t stride,
                        int64_t channels, float* pivot);
  // Adds x - pivot[c] and its square, lane by lane (value i of a span to
  // lane i mod Lanes), into sum / sum_sq [c * Lanes, (c + 1) * Lanes) for
  // each of `spans` adjacent spans of `len` values (span c at x + c * len).
  // Lanes = RowKernels::f32_lanes() of the same target. Reads x only.
  void (*span_lane_sums)(const void* x, int64_t spans, int64_t len,
                         const float* pivot, float* sum, float* sum_sq);
  // Channels-first: channel c is the span [c * spatial, (c + 1) * spatial)
  // of x and y, normalized with coefficient c. y may equal x. `stream`:
  // write y with non-temporal stores where possible (same values), for
  // outputs far larger than the last-level cache. `prefetch` (optional):
  // the same number of values starting there (the next unit's x) are
  // prefetched along the way, so that their reads from memory overlap
  // these stores instead of following them.
  void (*normalize_channels_first)(const void* x, void* y, int64_t channels,
                                   int64_t spatial,
                                   const ChannelCoefficients& k,
                                   simdnorm_activation act, bool stream,
                                   const void* prefetch);
  // Channels-last: rows of `channels` values (row stride `stride`), value c
  // of each row normalized with coefficient c. y may equal x. Contiguous
  // rows (stride == channels) with wrapped coefficients (k.wrap) run as one
  // stream of vectors aligned to y; `stream` as above applies to them, and
  // otherwise only to rows of whole aligned vectors. `prefetch` (optional): rows of
  // `channels` values at the same stride starting there are prefetched
  // along the way.
  void (*normalize_channels_last)(const void* x, void* y, int64_t rows,
                                  int64_t stride, int64_t channels,
                                  const ChannelCoefficients& k,
                                  simdnorm_activation act, bool stream,
                                  const void* prefetch);
  // As normalize_channels_first, with y in fp32 (never streamed): the
  // block a quantized output is formed in.
  void (*normalize_channels_first_to_f32)(const void* x, float* y,
                                          int64_t channels, int64_t spatial,
                                          const ChannelCoefficients& k,
                                          simdnorm_activation act,
                                          const void* prefetch);
  // As normalize_channels_last, with y in fp32 and its rows dense (row r
  // at y + r * channels) whatever x's stride is.
  void (*normalize_channels_last_to_f32)(const void* x, float* y, int64_t rows,
                                         int64_t x_stride, int64_t channels,
                                         const ChannelCoefficients& k,
                                         simdnorm_activation act,
                                         const void* prefetch);
  // dst[0, n) of int8 type `dtype` (SIMDNORM_S8 / SIMDNORM_U8) =
  // saturate(round_half_even(src / scale) + zero_point); NaN -> zero_point.
  void (*quantize)(const float* src, void* dst, int64_t n, float scale,
                   int32_t zero_point, simdnorm_dtype dtype);
};

// Kernels of one compiled target (HWY_* bit) and storage type, or nullptr
// if not compiled.
const ChannelKernels* FindChannelKernels(int64_t target,
                                         simdnorm_dtype dtype);
// Bit mask of the targets compiled into the channel kernels of every
// storage type.
int64_t ChannelKernelTargets();

}  // namespace simdnorm::internal

#endif  // SIMDNORM_KERNELS_CHANNEL_KERNELS_H_
