// Coefficient kernels (see coefficient_kernels.h), compiled once per ISA
// target. Small calls (BatchNorm1d on [32, 64]) spend as long on these
// per-channel square roots and divisions as on the tensor itself when they
// run one channel at a time.
#include "kernels/coefficient_kernels.h"

#include <cmath>

#include "common/unit_stats.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/coefficient_kernels.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#if HWY_HAVE_FLOAT64
// v rounded to float as the per-channel code's static_cast<float>: values
// at or past FLT_MAX + half an ulp become +-Inf. Highway's emulated
// targets (EMU128, SCALAR) saturate DemoteTo at +-FLT_MAX instead, even
// for Inf, so those lanes are doubled after it (a no-op where the
// hardware already gave Inf; NaN stays NaN).
template <class DF, class VD>
HWY_INLINE hn::Vec<DF> DemoteRounded(DF df, VD v) {
  const hn::Rebind<double, DF> dd;
  const auto past = hn::Ge(hn::Abs(v), hn::Set(dd, kFloatOverflow));
  const auto factor =
      hn::IfThenElse(past, hn::Set(dd, 2.0), hn::Set(dd, 1.0));
  return hn::Mul(hn::DemoteTo(df, v), hn::DemoteTo(df, factor));
}

// Channels [c, c + count) whose multipliers a (one per lane) were stored
// as DemoteRounded(a), with their scale and scaled pivot: lanes past the
// float range are refitted one by one by FitMultiplier, as the scalar
// code does (rare: a gamma near FLT_MAX). Returns whether every scale
// stays 1.
template <class DD>
HWY_INLINE bool FitPastFloatRange(DD dd, hn::Vec<DD> a, int64_t c,
                                  size_t count, float* scale,
                                  float* scaled_pivot, float* mul) {
  if (hn::AllFalse(dd, hn::Ge(hn::Abs(a), hn::Set(dd, kFloatOverflow)))) {
    return true;
  }
  double lanes[HWY_MAX_BYTES / sizeof(double)];
  hn::StoreU(a, dd, lanes);
  bool unit_scale = true;
  for (size_t i = 0; i < count; ++i) {
    const ChannelMultiplier m =
        FitMultiplier(lanes[i], scale[c + i], scaled_pivot[c + i]);
    scale[c + i] = m.scale;
    scaled_pivot[c + i] = m.scaled_pivot;
    mul[c + i] = m.mul;
    unit_scale = unit_scale && m.scale == 1.0f;
  }
  return unit_scale;
}
#endif

// One channel, scalar: the reference arithmetic the vectors repeat.
// Returns whether the channel's scale is 1.
HWY_INLINE bool InferenceChannel(const float* gamma, const float* beta,
                                 const float* running_mean,
                                 const float* running_var, float eps,
                                 int64_t c, float* scale, float* pivot,
                                 float* mul, float* add) {
  const double g = gamma ? gamma[c] : 1.0;
  const double rstd =
      1.0 / std::sqrt(static_cast<double>(running_var[c]) + eps);
  const ChannelMultiplier m = FitMultiplier(rstd * g, 1.0f, running_mean[c]);
  scale[c] = m.scale;
  pivot[c] = m.scaled_pivot;
  mul[c] = m.mul;
  add[c] = beta ? beta[c] : 0.0f;
  return m.scale == 1.0f;
}

bool BatchNormInference(const float* gamma, const float* beta,
                        const float* running_mean, const float* running_var,
                        float eps, int64_t n, float* scale, float* pivot,
                        float* mul, float* add) {
  bool unit_scale = true;
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
    const auto a = hn::Mul(rstd, g);
    hn::StoreU(DemoteRounded(df, a), df, mul + c);
    hn::StoreU(hn::Set(df, 1.0f), df, scale + c);
    hn::StoreU(hn::LoadU(df, running_mean + c), df, pivot + c);
    hn::StoreU(beta ? hn::LoadU(df, beta + c) : hn::Zero(df), df, add + c);
    unit_scale &= FitPastFloatRange(dd, a, c, static_cast<size_t>(N), scale,
                                    pivot, mul);
  }
#endif
  for (; c < n; ++c) {
    unit_scale &= InferenceChannel(gamma, beta, running_mean, running_var, eps,
                                   c, scale, pivot, mul, add);
  }
  return unit_scale;
}

#if HWY_HAVE_FLOAT64
// Channels [c, c + count) of BatchStatistics, count <= Lanes(dd): partial
// vectors load zeros past count and store only count lanes. Vector
// operations only, so no compiler contracts a multiply and an add into an
// FMA that the general path's scalar code does not have.
template <class DD>
HWY_INLINE void BatchStatisticsChannels(DD dd, const BatchStatisticsFinish& f,
                                        int64_t c, size_t count) {
  const hn::Rebind<float, DD> df;
  const size_t N = hn::Lanes(dd);
  const auto load_f = [&](const float* p) HWY_ATTR {
    return hn::PromoteTo(dd, count == N ? hn::LoadU(df, p + c)
                                        : LoadTail(df, p + c, count));
  };
  const auto load_d = [&](const double* p) HWY_ATTR {
    return count == N ? hn::LoadU(dd, p + c) : LoadTail(dd, p + c, count);
  };
  const auto store_f = [&](hn::Vec<decltype(df)> v, float* p) HWY_ATTR {
    if (count == N) {
      hn::StoreU(v, df, p + c);
    } else {
      StoreTail(v, df, p + c, count);
    }
  };
  const auto one = hn::Set(dd, 1.0);
  const auto count_rows = hn::Set(dd, f.count);
  const auto s1 = load_d(f.sum);
  const auto s2 = load_d(f.sum_sq);
  // MergeTileSums of a first tile: mean by the reciprocal of the count.
  const auto shift = hn::Mul(s1, hn::Div(one, count_rows));
  // (A compare, as the scalar code: -0 stays -0.)
  const auto m2_raw = hn::Sub(s2, hn::Mul(s1, shift));
  const auto m2 = hn::IfThenZeroElse(hn::Lt(m2_raw, hn::Zero(dd)), m2_raw);
  // FinishStats at scale 1.
  const auto rstd = hn::Div(
      one, hn::Sqrt(hn::Add(hn::Div(m2, count_rows),
                            hn::Set(dd, static_cast<double>(f.eps)))));
  const auto pivot_f = count == N ? hn::LoadU(df, f.pivot + c)
                                  : LoadTail(df, f.pivot + c, count);
  const auto mean = hn::Add(hn::PromoteTo(dd, pivot_f), shift);
  // SetChannelCoefficients.
  const auto a = f.gamma ? hn::Mul(rstd, load_f(f.gamma)) : rstd;
  const auto b = f.beta ? load_f(f.beta) : hn::Zero(dd);
  store_f(hn::Set(df, 1.0f), f.scale);
  store_f(pivot_f, f.scaled_pivot);
  store_f(DemoteRounded(df, a), f.mul);
  if (!FitPastFloatRange(dd, a, c, count, f.scale, f.scaled_pivot, f.mul)) {
    *f.unit_scale = false;
  }
  store_f(DemoteRounded(df, hn::Sub(b, hn::Mul(shift, a))), f.add);
  if (f.batch_mean) store_f(DemoteRounded(df, mean), f.batch_mean);
  if (f.batch_rstd) store_f(DemoteRounded(df, rstd), f.batch_rstd);
  if (f.running_mean) {
    const auto keep = hn::Set(dd, f.keep), take = hn::Set(dd, f.take);
    const auto var = hn::Div(m2, hn::Set(dd, f.var_divisor));
    store_f(DemoteRounded(df, hn::Add(hn::Mul(keep, load_f(f.running_mean)),
                                      hn::Mul(take, mean))),
            f.running_mean);
    store_f(DemoteRounded(df, hn::Add(hn::Mul(keep, load_f(f.running_var)),
                                      hn::Mul(take, var))),
            f.running_var);
  }
}
#endif

bool BatchStatistics(const BatchStatisticsFinish& f) {
#if HWY_HAVE_FLOAT64
  // RetryScale's condition for scale 1: finite moments, and eps large
  // enough to decide alone. Finite sums give finite moments (s1^2 / count
  // stays far inside double's range).
  if (!(f.eps >= 0x1p-60f)) return false;
  const hn::ScalableTag<double> dd;
  const int64_t N = static_cast<int64_t>(hn::Lanes(dd));
  auto finite = hn::Eq(hn::Zero(dd), hn::Zero(dd));
  int64_t c = 0;
  for (; c + N <= f.n; c += N) {
    finite = hn::And(finite, hn::And(hn::IsFinite(hn::LoadU(dd, f.sum + c)),
                                     hn::IsFinite(hn::LoadU(dd, f.sum_sq + c))));
  }
  if (c < f.n) {
    const size_t rest = static_cast<size_t>(f.n - c);
    finite = hn::And(finite,
                     hn::And(hn::IsFinite(LoadTail(dd, f.sum + c, rest)),
                             hn::IsFinite(LoadTail(dd, f.sum_sq + c, rest))));
  }
  if (!hn::AllTrue(dd, finite)) return false;
  for (c = 0; c + N <= f.n; c += N) {
    BatchStatisticsChannels(dd, f, c, static_cast<size_t>(N));
  }
  if (c < f.n) BatchStatisticsChannels(dd, f, c, static_cast<size_t>(f.n - c));
  return true;
#else
  (void)f;
  return false;  // the general path
#endif
}

const CoefficientKernels* GetCoefficientKernels() {
  static constexpr CoefficientKernels kKernels = {
      HWY_TARGET, &BatchNormInference, &BatchStatistics};
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
