// BatchNorm over x[N, C, S] (NCHW) or x[N, S, C] (NHWC), per channel:
// inference with running statistics, or batch statistics (training-mode
// forward) with the running-statistics update.
#ifndef SIMDNORM_OPS_BATCH_NORM_H_
#define SIMDNORM_OPS_BATCH_NORM_H_

#include <cstdint>

#include "common/storage.h"
#include "ops/channel_output.h"
#include "runtime/context.h"
#include "simdnorm/simdnorm.h"

namespace simdnorm::internal {

// A validated problem: x of a storage type, y of the same type or an int8
// type (quantized with y_quant), everything else fp32.
struct BatchNormProblem {
  simdnorm_layout layout = SIMDNORM_NCHW;
  simdnorm_activation activation = SIMDNORM_ACT_NONE;
  int64_t batch = 0;
  int64_t channels = 0;
  int64_t spatial = 0;
  float eps = 0.0f;
  float momentum = 0.0f;
  bool update_running_stats = false;
  // ONNX's update (momentum weighs the running value, biased variance)
  // instead of PyTorch's.
  bool onnx_running_stats = false;
  ConstTypedPtr x;
  TypedPtr y;
  const float* gamma = nullptr;
  const float* beta = nullptr;
  float* running_mean = nullptr;
  float* running_var = nullptr;
  float* batch_mean = nullptr;
  float* batch_rstd = nullptr;
  // Elements from sample n to n + 1 (>= C * S; C * S when dense).
  int64_t x_batch_stride = 0;
  int64_t y_batch_stride = 0;  // in y's elements
  OutputQuantization y_quant;  // an int8 y only
  ConstTypedPtr x_sample(int64_t n) const { return x + n * x_batch_stride; }
  TypedPtr y_sample(int64_t n) const { return y + n * y_batch_stride; }
  simdnorm_dtype dtype() const { return x.dtype; }
};

// y from the running statistics (required).
void RunBatchNormInference(const simdnorm_context& ctx,
                           const BatchNormProblem& p);
// Units [begin, end) of the inference on the caller's thread, with the
// results of the full call: channels-last or S == 1, unit n * S + s is
// the row of C values at (n, s); channels-first with S > 1, unit n * C + c
// is channel c of sample n (S values).
void RunBatchNormInferenceSlice(const simdnorm_context& ctx,
                                const BatchNormProblem& p, int64_t begin,
                                int64_t end);
// The unit count of RunBatchNormInferenceSlice.
inline int64_t BatchNormSliceUnits(const BatchNormProblem& p) {
  return p.layout == SIMDNORM_NCHW && p.spatial > 1 ? p.batch * p.channels
                                                    : p.batch * p.spatial;
}
// y from the batch statistics (batch * spatial >= 2); writes batch_mean /
// batch_rstd if given and updates the running statistics if asked. A
// channels-last x whose samples are strided (and S > 1) is copied densely
// once for the statistics.
void RunBatchNormTraining(const simdnorm_context& ctx,
                          const BatchNormProblem& p);

}  // namespace simdnorm::internal

#endif  // SIMDNORM_OPS_BATCH_NORM_H_
