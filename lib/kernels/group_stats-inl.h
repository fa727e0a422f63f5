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
  const auto one = hn::Set(dd, 1.0);
  const auto zero = hn::Zero(dd);
  for (size_t j = 0; j < static_cast<size_t>(rows); j += ND) {
    const auto s2 = hn::LoadU(dd, sum_sq + j);
    auto mean = zero;
    auto m2 = s2;  // RMSNorm: see BlockMoments
    if (kCentered) {
      const auto s1 = hn::LoadU(dd, sum + j);
      mean = hn::Div(s1, vcount);
      m2 = hn::Sub(s2, hn::Mul(s1, mean));
      m2 = hn::IfThenElse(hn::Lt(m2, zero), zero, m2);
    }
    if (!hn::AllTrue(dd, hn::And(hn::IsFinite(mean), hn::IsFinite(m2)))) {
      return false;
    }
    const auto var = hn::Div(m2, vcount);
    hn::StoreU(mean, dd, shift_out + j);
    hn::StoreU(hn::Div(one, hn::Sqrt(hn::Add(var, veps))), dd, rstd_out + j);
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
#endif  // HWY_HAVE_FLOAT64

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_GROUP_STATS_INL_H_
