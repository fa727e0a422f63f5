// LayerNorm and RMSNorm over rows: statistics per row, planning, threading.
#ifndef SIMDNORM_OPS_ROW_NORM_H_
#define SIMDNORM_OPS_ROW_NORM_H_

#include <cstdint>

#include "runtime/context.h"

namespace simdnorm::internal {

// A validated fp32 problem; strides in elements.
struct RowNormProblem {
  bool rms = false;
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t x_stride = 0;
  int64_t y_stride = 0;
  int64_t residual_stride = 0;
  int64_t sum_stride = 0;
  float eps = 0.0f;
  const float* x = nullptr;
  float* y = nullptr;
  const float* gamma = nullptr;
  const float* beta = nullptr;
  const float* residual = nullptr;
  float* sum_out = nullptr;
  float* mean = nullptr;
  float* rstd = nullptr;
  const float* residual_bias = nullptr;  // [cols]; see ops/row_bias.h
};

// All rows, on the context's threads.
void RunRowNorm(const simdnorm_context& ctx, const RowNormProblem& p);
// Rows [begin, end) on the caller's thread; same results as RunRowNorm.
void RunRowNormSlice(const simdnorm_context& ctx, const RowNormProblem& p,
                     int64_t begin, int64_t end);

}  // namespace simdnorm::internal

#endif  // SIMDNORM_OPS_ROW_NORM_H_
