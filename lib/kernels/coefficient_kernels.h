// Per-target kernels that turn per-channel statistics into the normalize
// coefficients of ChannelCoefficients, several channels per double vector.
// Plain C++ (no Highway). Storage-independent: parameters are fp32 here.
#ifndef SIMDNORM_KERNELS_COEFFICIENT_KERNELS_H_
#define SIMDNORM_KERNELS_COEFFICIENT_KERNELS_H_

#include <cstdint>

namespace simdnorm::internal {

struct CoefficientKernels {
  int64_t target;  // HWY_* bit of the target these were compiled for
  // BatchNorm inference, channels [0, n): scale 1, pivot = running_mean,
  // mul = rstd * gamma and add = beta, with rstd = 1 / sqrt(running_var +
  // eps), in double and rounded once (gamma null: 1; beta null: 0). The
  // same IEEE operations per channel on every target.
  void (*batch_norm_inference)(const float* gamma, const float* beta,
                               const float* running_mean,
                               const float* running_var, float eps, int64_t n,
                               float* scale, float* pivot, float* mul,
                               float* add);
};

// Kernels of one compiled target (HWY_* bit), or nullptr if not compiled.
const CoefficientKernels* FindCoefficientKernels(int64_t target);
// Bit mask of the targets compiled into the coefficient kernels.
int64_t CoefficientKernelTargets();

}  // namespace simdnorm::internal

#endif  // SIMDNORM_KERNELS_COEFFICIENT_KERNELS_H_
