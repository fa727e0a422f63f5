// Coefficient kernels (see coefficient_kernels.h), compiled once per ISA
// target. Small calls (BatchNorm1d on [32, 64]) spend as long on these
// per-channel square roots and divisions as on the tensor itself when they
// run one channel at a time.
#include "kernels/coefficient_kernels.h"

#include <cmath>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/coefficient_kernels.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// One channel, scalar: the reference arithmetic the vectors repeat.
HWY_INLINE void InferenceChannel(const float* gamma, const float* beta,
                                 const float* running_mean,
                                 const float* running_var, float eps,
                                 int64_t c, float* scale, float* pivot,
                                 float* mul, float* add) {
  const double g = gamma ? gamma[c] : 1.0;
  const double rstd =
      1.0 / std::sqrt(static_cast<double>(running_var[c]) + eps);
  scale[c] = 1.0f;
  pivot[c] = running_mean[c];
  mul[c] = static_cast<float>(rstd * g);
  add[c] = beta ? beta[c] : 0.0f;
}

void BatchNormInference(const float* gamma, const float* beta,
                        const float* running_mean, const float* running_var,
                        float eps, int64_t n, float* scale, float* pivot,
                        float* mul, float* add) {
  int64_t c = 0;
#if HWY_HAVE_FLOAT64
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;  // as many floats as doubles
  const int64_t N = static_cast<int64_t>(hn::Lanes(dd));
  const auto one = hn::Set(dd, 1.0);
  const auto veps = hn::Set(dd, static_cast<double>(eps));
  for (; c + N <= n; c += N) {
    const auto var = hn::PromoteTo(dd, hn::LoadU(df, running_var + c));
    const auto rstd = hn::Div(one, hn::Sqrt(hn::Add(var, veps)));
    const auto g =
        gamma ? hn::PromoteTo(dd, hn::LoadU(df, gamma + c)) : one;
    hn::StoreU(hn::DemoteTo(df, hn::Mul(rstd, g)), df, mul + c);
    hn::StoreU(hn::Set(df, 1.0f), df, scale + c);
    hn::StoreU(hn::LoadU(df, running_mean + c), df, pivot + c);
    hn::StoreU(beta ? hn::LoadU(df, beta + c) : hn::Zero(df), df, add + c);
  }
#endif
  for (; c < n; ++c) {
    InferenceChannel(gamma, beta, running_mean, running_var, eps, c, scale,
                     pivot, mul, add);
  }
}

const CoefficientKernels* GetCoefficientKernels() {
  static constexpr CoefficientKernels kKernels = {HWY_TARGET,
                                                  &BatchNormInference};
  return &kKernels;
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/dispatch_table.h"

namespace simdnorm::internal {

SIMDNORM_EXPORT_KERNEL_TABLE(CoefficientKernels, GetCoefficientKernels,
                             FindCoefficientKernels, CoefficientKernelTargets)

}  // namespace simdnorm::internal
#endif  // HWY_ONCE
