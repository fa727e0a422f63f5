// LayerNorm and RMSNorm over rows: statistics per row, planning, threading.
#ifndef SIMDNORM_OPS_ROW_NORM_H_
#define SIMDNORM_OPS_ROW_NORM_H_

#include <cstddef>
#include <cstdint>

#include "kernels/row_kernels.h"
#include "runtime/context.h"

namespace simdnorm::internal {

// A validated problem; strides in elements. Tensors (x, y, residual,
// sum_out) hold `dtype` elements; parameters and statistics are fp32.
struct RowNormProblem {
  bool rms = false;
  simdnorm_dtype dtype = SIMDNORM_F32;
  size_t elem_bytes = sizeof(float);
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t x_stride = 0;
  int64_t y_stride = 0;
  int64_t residual_stride = 0;
  int64_t sum_stride = 0;
  float eps = 0.0f;
  const void* x = nullptr;
  void* y = nullptr;
  const float* gamma = nullptr;
  const float* beta = nullptr;
  const void* residual = nullptr;
  void* sum_out = nullptr;
  float* mean = nullptr;
  float* rstd = nullptr;
  const float* residual_bias = nullptr;  // [cols], widened to fp32
  // y's type: dtype, or SIMDNORM_S8 / SIMDNORM_U8 (quantized with
  // y_scale and y_zero_point).
  simdnorm_dtype y_dtype = SIMDNORM_F32;
  float y_scale = 1.0f;
  int32_t y_zero_point = 0;

  bool quantized() const { return y_dtype != dtype; }
  RowQuantization y_quant() const {
    return RowQuantization{y_dtype, y_scale, y_zero_point};
  }
  size_t y_bytes() const { return quantized() ? 1 : elem_bytes; }
};

// All rows, on the context's threads.
void RunRowNorm(const simdnorm_context& ctx, const RowNormProblem& p);
// Rows [begin, end) on the caller's thread; same results as RunRowNorm.
void RunRowNormSlice(const simdnorm_context& ctx, const RowNormProblem& p,
                     int64_t begin, int64_t end);

}  // namespace simdnorm::internal

#endif  // SIMDNORM_OPS_ROW_NORM_H_
