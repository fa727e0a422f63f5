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
#include "simdnorm/simdnorm.h"

namespace simdnorm::internal {

// Tensor pointers are elements of the table's storage type (dtype);
// parameters (gamma, beta), statistics and coefficients are fp32.

// What a moments pass reads: v = (x [+ residual]) * scale - scaled_pivot.
// With sum_out, x + residual is also stored there (same pass).
struct MomentsSource {
  const void* x = nullptr;
  const void* residual = nullptr;  // optional
  void* sum_out = nullptr;         // optional, needs residual
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
  // Optional, with a residual: x + residual is stored there too, in the
  // same pass (before rounding to the storage type, y is formed from it).
  void* sum_out = nullptr;
  bool stream = false;  // non-temporal stores of y (same values)
  // Optional: as many bytes as this call reads of x, prefetched while it
  // runs (the rows a caller reads next, so that reading them from memory
  // overlaps with this store-bound pass).
  const void* prefetch = nullptr;
};

// Whole rows for the common case: no residual, each row one reduction
// chunk, values that need no rescaling. Strides in elements; mean/rstd
// optional, indexed by row.
// A quantized y: saturate(round_half_even(v / scale) + zero_point) of
// type dtype (SIMDNORM_S8 / SIMDNORM_U8); NaN -> zero_point.
struct RowQuantization {
  simdnorm_dtype dtype = SIMDNORM_S8;
  float scale = 1.0f;
  int32_t zero_point = 0;
};

struct RowBatch {
  const void* x = nullptr;
  int64_t x_stride = 0;
  void* y = nullptr;
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
  // Whether y is quantized (with y_quant; y_stride then counts its int8
  // elements) instead of the storage type. Never streamed.
  bool quantized = false;
  RowQuantization y_quant;
};

struct RowKernels {
  int64_t target;         // HWY_* bit of the target these were compiled for
  simdnorm_dtype dtype;   // storage type of x, residual, y and sum_out
  size_t (*f32_lanes)();  // a function: SVE knows it only at run time
  // Moments of n values in blocks of block_elems (fp32 lane sums per block,
  // merged in double). centered = false gives the sum of squares about 0
  // (mean stays 0), for RMSNorm. No aliasing constraints (reads only, except
  // sum_out, which may alias x).
  Moments (*moments)(const MomentsSource& src, int64_t n, int64_t block_elems,
                     bool centered);
  // Writes y[0, n) (and affine.sum_out). y and sum_out may each equal x or
  // residual (element-wise in place).
  void (*normalize)(const void* x, const void* residual, void* y, int64_t n,
                    const RowAffine& affine);
  // Moments, statistics and normalize of rows [begin, end), with the same
  // results as moments + normalize per row. Returns the first row not done:
  // end, or a row whose values need the rescaling path (huge, tiny, NaN or
  // Inf), which the caller runs before calling again after it.
  int64_t (*rows)(const RowBatch& batch, int64_t begin, int64_t end);
  // As normalize, with y quantized as q (never streamed): formed in fp32
  // blocks on the stack, each quantized while it is in L1.
  void (*normalize_quantized)(const void* x, const void* residual, void* y,
                              int64_t n, const RowAffine& affine,
                              const RowQuantization& q);
  // dst[0, n) of int8 type `dtype` (SIMDNORM_S8 / SIMDNORM_U8) =
  // saturate(round_half_even(src / scale) + zero_point); NaN -> zero_point.
  void (*quantize)(const float* src, void* dst, int64_t n, float scale,
                   int32_t zero_point, simdnorm_dtype dtype);
  // s[0, n) = (x + residual) + bias in fp32, adds rounded to fp32 in that
  // order (residual may be null: x + bias); x and residual of the storage
  // type. The residual-bias path's sum.
  void (*form_sum)(const void* x, const void* residual, const float* bias,
                   float* s, int64_t n);
  // dst[0, n) of the storage type = src rounded once to nearest even.
  void (*narrow)(const float* src, void* dst, int64_t n);
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

// Kernels of one compiled target (HWY_* bit) for one storage type, or
// nullptr if not compiled.
const RowKernels* FindRowKernels(int64_t target, simdnorm_dtype dtype);
// Bit mask of the targets compiled into the row kernels (every storage
// type).
int64_t RowKernelTargets();

}  // namespace simdnorm::internal

#endif  // SIMDNORM_KERNELS_ROW_KERNELS_H_
