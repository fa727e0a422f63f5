// Statistics of a group of rows from their fp32 block sums, several rows
// per double vector: the whole-row and narrow-row kernels' fast path.

#if defined(SIMDNORM_KERNELS_GROUP_STATS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SIMDNORM_KERNELS_GROUP_STATS_INL_H_
#undef SIMDNORM_KERNELS_GROUP_STATS_INL_H_
#else
#define SIMDNORM_KERNELS_GROUP_STATS_INL_H_
#endif

#include <cstddef>
#include <cstdint>

#include "common/unit_stats.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Doubles per vector GroupStatsVector uses at most: a 512-bit division or
// square root has about twice the latency of a 256-bit one, and two of
// those overlap. Callers pad their arrays with this many benign entries
// past the last row.
constexpr size_t kGroupStatsLanes = 4;

#if HWY_HAVE_FLOAT64
// Per lane, the mean of a unit's shifted values (0 for RMSNorm) and its
// rstd from the unit's sums in double: the IEEE operations of
// MomentsFromSums + FinishStats at scale 1, in the same order. False if
// any lane is not finite (the unit may need a rescaled pass).
template <bool kCentered, class DD, class VD>
HWY_INLINE bool LaneMeanRstd(DD dd, VD sum, VD sum_sq, VD count, VD eps,
                             VD& mean, VD& rstd) {
  const auto zero = hn::Zero(dd);
  mean = zero;
  auto m2 = sum_sq;  // RMSNorm: see BlockMoments
  if (kCentered) {
    mean = hn::Div(sum, count);
    m2 = hn::Sub(sum_sq, hn::Mul(sum, mean));
    m2 = hn::IfThenElse(hn::Lt(m2, zero), zero, m2);
  }
  if (!hn::AllTrue(dd, hn::And(hn::IsFinite(mean), hn::IsFinite(m2)))) {
    return false;
  }
  const auto var = hn::Div(m2, count);
  rstd = hn::Div(hn::Set(dd, 1.0), hn::Sqrt(hn::Add(var, eps)));
  return true;
}

// Statistics of rows [0, rows) (rows <= kGroup) from their one-block sums,
// several rows per double vector: per lane the same IEEE operations, in
// the same order, as MomentsFromSums + RetryScale + FinishStats at scale 1,
// so results are identical to the per-row path, with fewer scalar
// divisions and square roots. sum and sum_sq hold finite values (zeros)
// for kGroupStatsLanes entries past `rows`, so that whole vectors can be
// loaded. Returns false, with stats unwritten,
// if any row may need a rescaled pass: the scalar code then decides.
template <bool kCentered, size_t kGroup>
HWY_INLINE bool GroupStatsVector(int64_t rows, double count, float eps,
                                 const float* pivot, const double* sum,
                                 const double* sum_sq, UnitStats* stats) {
  // Small eps: RetryScale may grow tiny variances. Rare: scalar path.
  if (!(eps >= 0x1p-60f)) return false;
  const hn::CappedTag<double, HWY_MIN(kGroup, kGroupStatsLanes)> dd;
  const size_t ND = hn::Lanes(dd);
  HWY_ALIGN double shift_out[2 * kGroup];
  HWY_ALIGN double rstd_out[2 * kGroup];
  const auto vcount = hn::Set(dd, count);
  const auto veps = hn::Set(dd, static_cast<double>(eps));
  const auto zero = hn::Zero(dd);
  for (size_t j = 0; j < static_cast<size_t>(rows); j += ND) {
    auto mean = zero, rstd = zero;
    if (!LaneMeanRstd<kCentered>(dd, hn::LoadU(dd, sum + j),
                                 hn::LoadU(dd, sum_sq + j), vcount, veps, mean,
                                 rstd)) {
      return false;
    }
    hn::StoreU(mean, dd, shift_out + j);
    hn::StoreU(rstd, dd, rstd_out + j);
  }
  for (int64_t j = 0; j < rows; ++j) {
    // FinishStats with scale 1: x * 1 and x / 1 are exact.
    UnitStats& st = stats[j];
    const double shift = kCentered ? shift_out[j] : 0.0;
    st.rstd = rstd_out[j];
    st.mean = static_cast<double>(pivot[j]) + shift;
    st.scale = 1.0f;
    st.scaled_pivot = pivot[j];
    st.shifted_mean = static_cast<float>(shift);
    st.inv_std = static_cast<float>(st.rstd);
  }
  return true;
}

// The statistics of units held one per lane of an fp32 vector (narrow
// rows) from their fp32 sums about `pivot`: per lane those of
// GroupStatsVector, in double half a vector at a time, rounded to float.
// shift and inv_std give the normalize form at scale 1, mean and rstd the
// outputs. Returns false, with nothing set, if any lane may need a
// rescaled pass: the scalar code then decides.
template <bool kCentered, class D, class V>
HWY_INLINE bool LaneStats(D d, V pivot, V sum, V sum_sq, double count,
                          float eps, V& shift, V& inv_std, V& mean, V& rstd) {
  if (!(eps >= 0x1p-60f)) return false;  // as GroupStatsVector
#if HWY_TARGET == HWY_SCALAR
  // One lane: no halves (and no narrow rows, which this serves).
  (void)d, (void)pivot, (void)sum, (void)sum_sq, (void)count;
  (void)shift, (void)inv_std, (void)mean, (void)rstd;
  return false;
#else
  const hn::Half<D> dh;
  const hn::Rebind<double, decltype(dh)> dd;
  const auto vcount = hn::Set(dd, count);
  const auto veps = hn::Set(dd, static_cast<double>(eps));
  auto mean_lo = hn::Zero(dd), rstd_lo = mean_lo;
  auto mean_hi = mean_lo, rstd_hi = mean_lo;
  if (!LaneMeanRstd<kCentered>(dd, hn::PromoteTo(dd, hn::LowerHalf(dh, sum)),
                               hn::PromoteTo(dd, hn::LowerHalf(dh, sum_sq)),
                               vcount, veps, mean_lo, rstd_lo) ||
      !LaneMeanRstd<kCentered>(dd, hn::PromoteTo(dd, hn::UpperHalf(dh, sum)),
                               hn::PromoteTo(dd, hn::UpperHalf(dh, sum_sq)),
                               vcount, veps, mean_hi, rstd_hi)) {
    return false;
  }
  shift = hn::Combine(d, hn::DemoteTo(dh, mean_hi), hn::DemoteTo(dh, mean_lo));
  inv_std =
      hn::Combine(d, hn::DemoteTo(dh, rstd_hi), hn::DemoteTo(dh, rstd_lo));
  rstd = inv_std;  // both the double rstd rounded once
  // The unit's mean: pivot + shifted mean, in double.
  const auto unit_mean = [&](auto half_pivot, auto shifted) HWY_ATTR {
    return hn::DemoteTo(dh, hn::Add(hn::PromoteTo(dd, half_pivot), shifted));
  };
  mean = hn::Combine(d, unit_mean(hn::UpperHalf(dh, pivot), mean_hi),
                     unit_mean(hn::LowerHalf(dh, pivot), mean_lo));
  return true;
#endif
}
#endif  // HWY_HAVE_FLOAT64

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_GROUP_STATS_INL_H_
