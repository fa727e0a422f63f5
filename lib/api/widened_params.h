// gamma, beta (and the row norms' residual_bias) as the kernels read them:
// fp32. Callers may keep them in the storage type (param_dtype); those are
// widened once per call (exact).
#ifndef SIMDNORM_API_WIDENED_PARAMS_H_
#define SIMDNORM_API_WIDENED_PARAMS_H_

#include <cmath>
#include <cstdint>
#include <limits>
#include <list>
#include <utility>
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
  // gamma / scale and beta / scale, each rounded once from double (a null
  // gamma is 1): a quantized y's normalize then yields y / scale in its
  // own fp32 arithmetic, with no division per value. Returns false, with
  // nothing changed, if a value would overflow fp32 (tiny scales).
  bool DivideBy(float scale) {
    std::vector<float> g(static_cast<size_t>(n_)), b;
    if (!Divided(gamma_, scale, &g)) return false;
    if (beta_ != nullptr) {
      b.resize(static_cast<size_t>(n_));
      if (!Divided(beta_, scale, &b)) return false;
    }
    gamma_ = buffers_.emplace_back(std::move(g)).data();
    if (beta_ != nullptr) beta_ = buffers_.emplace_back(std::move(b)).data();
    return true;
  }
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
  // out[i] = src[i] (1 if src is null) / scale; false on overflow.
  bool Divided(const float* src, float scale, std::vector<float>* out) const {
    for (int64_t i = 0; i < n_; ++i) {
      const double v = (src ? static_cast<double>(src[i]) : 1.0) / scale;
      if (std::isfinite(v) && std::fabs(v) > std::numeric_limits<float>::max()) {
        return false;  // finite in double, Inf in fp32
      }
      (*out)[i] = static_cast<float>(v);
    }
    return true;
  }

  int64_t n_ = 0;
  simdnorm_dtype dtype_ = SIMDNORM_F32;
  const float* gamma_ = nullptr;
  const float* beta_ = nullptr;
  std::list<std::vector<float>> buffers_;  // stable addresses
};

}  // namespace simdnorm::internal

#endif  // SIMDNORM_API_WIDENED_PARAMS_H_
