// gamma and beta as the kernels read them: fp32. Callers may keep them in
// the storage type (param_dtype); those are widened once per call (exact).
#ifndef SIMDNORM_API_WIDENED_PARAMS_H_
#define SIMDNORM_API_WIDENED_PARAMS_H_

#include <cstdint>
#include <vector>

#include "common/storage.h"
#include "simdnorm/simdnorm.h"

namespace simdnorm::internal {

class WidenedParams {
 public:
  // gamma and beta (either may be null) of n elements of param_dtype.
  void Set(const void* gamma, const void* beta, int64_t n,
           simdnorm_dtype param_dtype) {
    gamma_ = Widen(gamma, n, param_dtype, &gamma_buffer_);
    beta_ = Widen(beta, n, param_dtype, &beta_buffer_);
  }
  const float* gamma() const { return gamma_; }
  const float* beta() const { return beta_; }

 private:
  static const float* Widen(const void* src, int64_t n, simdnorm_dtype dtype,
                            std::vector<float>* buffer) {
    if (src == nullptr || dtype == SIMDNORM_F32) {
      return static_cast<const float*>(src);
    }
    buffer->resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) (*buffer)[i] = LoadAsF32(src, i, dtype);
    return buffer->data();
  }

  const float* gamma_ = nullptr;
  const float* beta_ = nullptr;
  std::vector<float> gamma_buffer_, beta_buffer_;
};

}  // namespace simdnorm::internal

#endif  // SIMDNORM_API_WIDENED_PARAMS_H_
