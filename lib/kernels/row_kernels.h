// Per-target table of the SIMD primitives behind LayerNorm and RMSNorm.
// Plain C++ (no Highway): the ops layer calls through these pointers, the
// target is chosen per context (see runtime/targets.h).
#ifndef SIMDNORM_KERNELS_ROW_KERNELS_H_
#define SIMDNORM_KERNELS_ROW_KERNELS_H_

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "common/contract.h"
#include "common/moments.h"

namespace simdnorm::internal {

// What a moments pass reads: v = (x [+ residual]) * scale - scaled_pivot.
// With sum_out, x + residual is also stored there (same pass).
struct MomentsSource {
  const float* x = nullptr;
  const float* residual = nullptr;  // optional
  float* sum_out = nullptr;         // optional, needs residual
  float scale = 1.0f;  // power of two: 1 unless the data is huge/tiny
  float scaled_pivot = 0.0f;
};

// y = ((x [+ residual]) * scale - scaled_pivot - shifted_mean) * inv_std
//     * gamma + beta, with gamma/beta optional (1/0). RMSNorm uses
// scaled_pivot = shifted_mean = 0 and no beta.
struct RowAffine {
  float scale = 1.0f;
  float scaled_pivot = 0.0f;
  float shifted_mean = 0.0f;
  float inv_std = 1.0f;
  const float* gamma = nullptr;
  const float* beta = nullptr;
  bool stream = false;  // non-temporal stores of y (same values)
};

// Whole rows for the common case: no residual, each row one reduction
// chunk, values that need no rescaling. Strides in elements; mean/rstd
// optional, indexed by row.
struct RowBatch {
  const float* x = nullptr;
  int64_t x_stride = 0;
  float* y = nullptr;
  int64_t y_stride = 0;
  int64_t cols = 0;
  const float* gamma = nullptr;
  const float* beta = nullptr;
  float* mean = nullptr;
  float* rstd = nullptr;
  float eps = 0.0f;
  bool centered = true;  // false: RMSNorm
  bool stream = false;
  int64_t block_elems = 0;
};

struct RowKernels {
  int64_t target;         // HWY_* bit of the target these were compiled for
  size_t (*f32_lanes)();  // a function: SVE knows it only at run time
  // Moments of n values in blocks of block_elems (fp32 lane sums per block,
  // merged in double). centered = false gives the sum of squares about 0
  // (mean stays 0), for RMSNorm. No aliasing constraints (reads only, except
  // sum_out, which may alias x).
  Moments (*moments)(const MomentsSource& src, int64_t n, int64_t block_elems,
                     bool centered);
  // Writes y[0, n). y may equal x or residual (element-wise in place).
  void (*normalize)(const float* x, const float* residual, float* y, int64_t n,
                    const RowAffine& affine);
  // Moments, statistics and normalize of rows [begin, end), with the same
  // results as moments + normalize per row. Returns the first row not done:
  // end, or a row whose values need the rescaling path (huge, tiny, NaN or
  // Inf), which the caller runs before calling again after it.
  int64_t (*rows)(const RowBatch& batch, int64_t begin, int64_t end);
};

// Moments of n values of src shifted by `pivot`, computed at a power-of-two
// `scale` (src.scale and src.scaled_pivot are set here) and returned
// unscaled: what every reduction over contiguous values calls per chunk.
inline Moments UnscaledMoments(const RowKernels& k, MomentsSource src,
                               int64_t n, float pivot, float scale,
                               int64_t block_elems, bool centered) {
  [[maybe_unused]] int exponent;
  // A power of two: scaling is exact, unscaling restores the moments.
  SIMDNORM_DASSERT(scale > 0.0f && std::frexp(scale, &exponent) == 0.5f);
  src.scale = scale;
  src.scaled_pivot = pivot * scale;
  return UnscaleMoments(k.moments(src, n, block_elems, centered), scale);
}

// Kernels of one compiled target (HWY_* bit), or nullptr if not compiled.
const RowKernels* FindRowKernels(int64_t target);
// Bit mask of the targets compiled into the row kernels.
int64_t RowKernelTargets();

}  // namespace simdnorm::internal

#endif  // SIMDNORM_KERNELS_ROW_KERNELS_H_
