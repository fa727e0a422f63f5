// gamma, beta (and the row norms' residual_bias) as the kernels read them:
// fp32. Callers may keep them in the storage type (param_dtype); those are
// widened once per call (exact).
#ifndef SIMDNORM_API_WIDENED_PARAMS_H_
#define SIMDNORM_API_WIDENED_PARAMS_H_

#include <cstdint>
#include <list>
#include <vector>

#include "common/storage.h"
#include "simdnorm/simdnorm.h"

namespace simdnorm::internal {

class WidenedParams {
 public:
  // gamma and beta (either may be null) of n elements of param_dtype.
  void Set(const void* gamma, const void* beta, int64_t n,
           simdnorm_dtype param_dtype) {
    n_ = n;
    dtype_ = param_dtype;
    gamma_ = Widen(gamma);
    beta_ = Widen(beta);
  }
  const float* gamma() const { return gamma_; }
  const float* beta() const { return beta_; }
  // Another parameter vector of the same length and type (the row norms'
  // residual_bias), kept for the duration of the call too.
  const float* Widen(const void* src) {
    if (src == nullptr || dtype_ == SIMDNORM_F32) {
      return static_cast<const float*>(src);
    }
    std::vector<float>& buffer = buffers_.emplace_back(static_cast<size_t>(n_));
    for (int64_t i = 0; i < n_; ++i) buffer[i] = LoadAsF32(src, i, dtype_);
    return buffer.data();
  }

 private:
  int64_t n_ = 0;
  simdnorm_dtype dtype_ = SIMDNORM_F32;
  const float* gamma_ = nullptr;
  const float* beta_ = nullptr;
  std::list<std::vector<float>> buffers_;  // stable addresses
};

}  // namespace simdnorm::internal

#endif  // SIMDNORM_API_WIDENED_PARAMS_H_
