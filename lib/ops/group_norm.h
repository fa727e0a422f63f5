// GroupNorm and InstanceNorm over x[N, C, S] (NCHW) or x[N, S, C] (NHWC):
// statistics per (n, g) unit, planning, threading.
#ifndef SIMDNORM_OPS_GROUP_NORM_H_
#define SIMDNORM_OPS_GROUP_NORM_H_

#include <cstdint>

#include "common/storage.h"
#include "ops/channel_output.h"
#include "runtime/context.h"
#include "simdnorm/simdnorm.h"

namespace simdnorm::internal {

// A validated problem: x of a storage type, y of the same type or an int8
// type (quantized with y_quant), everything else fp32. InstanceNorm is groups == channels.
struct GroupNormProblem {
  bool instance = false;  // picks the tuning entry only
  simdnorm_layout layout = SIMDNORM_NCHW;
  simdnorm_activation activation = SIMDNORM_ACT_NONE;
  int64_t batch = 0;
  int64_t channels = 0;
  int64_t spatial = 0;
  int64_t groups = 0;
  float eps = 0.0f;
  ConstTypedPtr x;
  TypedPtr y;
  const float* gamma = nullptr;
  const float* beta = nullptr;
  float* mean = nullptr;  // [N, G]
  float* rstd = nullptr;  // [N, G]
  // Elements from sample n to n + 1 (>= C * S; C * S when dense).
  int64_t x_batch_stride = 0;
  int64_t y_batch_stride = 0;  // in y's elements
  OutputQuantization y_quant;  // an int8 y only
  ConstTypedPtr x_sample(int64_t n) const { return x + n * x_batch_stride; }
  TypedPtr y_sample(int64_t n) const { return y + n * y_batch_stride; }
  simdnorm_dtype dtype() const { return x.dtype; }
};

// All units, on the context's threads.
void RunGroupNorm(const simdnorm_context& ctx, const GroupNormProblem& p);
// Units [begin, end) (unit = n * groups + g) on the caller's thread; same
// results as RunGroupNorm.
void RunGroupNormSlice(const simdnorm_context& ctx, const GroupNormProblem& p,
                       int64_t begin, int64_t end);

}  // namespace simdnorm::internal

#endif  // SIMDNORM_OPS_GROUP_NORM_H_
