// Single-pass shifted moments of a contiguous span of fp32 values.
//
// Each value is read once. v = (x [+ residual]) * scale - scaled_pivot is
// accumulated in fp32 lanes (4 independent sum and sum-of-squares
// accumulators to hide FMA latency) over blocks of block_elems values; each
// block is reduced to double and merged with Chan's formula. Since the
// pivot is one of the values, v is small and exact near the pivot, so data
// with a large offset keeps full accuracy. Lanes: any count, including the
// one-lane SCALAR target. Tail: partial last vector, masked.

#if defined(SIMDNORM_KERNELS_MOMENTS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SIMDNORM_KERNELS_MOMENTS_INL_H_
#undef SIMDNORM_KERNELS_MOMENTS_INL_H_
#else
#define SIMDNORM_KERNELS_MOMENTS_INL_H_
#endif

#include <algorithm>
#include <cstdint>

#include "common/moments.h"
#include "hwy/highway.h"
#include "kernels/row_kernels.h"
#include "kernels/tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Reads values [i, i + lanes) of the source (x + residual, stored to sum_out
// when asked) and returns them scaled and shifted.
template <bool kResidual, bool kSumOut, class D>
HWY_INLINE hn::Vec<D> LoadShifted(D d, const MomentsSource& src, size_t i,
                                  hn::Vec<D> scale, hn::Vec<D> pivot) {
  auto v = hn::LoadU(d, src.x + i);
  if (kResidual) {
    v = hn::Add(v, hn::LoadU(d, src.residual + i));
    if (kSumOut) hn::StoreU(v, d, src.sum_out + i);
  }
  return hn::MulSub(v, scale, pivot);
}

template <bool kResidual, bool kSumOut, class D>
HWY_INLINE hn::Vec<D> LoadShiftedTail(D d, const MomentsSource& src, size_t i,
                                      size_t count, hn::Vec<D> scale,
                                      hn::Vec<D> pivot) {
  auto v = LoadTail(d, src.x + i, count);
  if (kResidual) {
    v = hn::Add(v, LoadTail(d, src.residual + i, count));
    if (kSumOut) StoreTail(v, d, src.sum_out + i, count);
  }
  // Lanes past the end loaded 0, which would shift to -pivot: clear them.
  return hn::IfThenElseZero(hn::FirstN(d, count), hn::MulSub(v, scale, pivot));
}

template <bool kCentered, bool kResidual, bool kSumOut>
Moments SpanMomentsT(const MomentsSource& src, int64_t n, int64_t block_elems) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const auto scale = hn::Set(d, src.scale);
  const auto pivot = hn::Set(d, src.scaled_pivot);
  // Whole unrolled steps per block, so that only the last block has a tail;
  // at most kMaxSteps per block so that each fp32 accumulator sums a bounded
  // number of values on every target (accuracy does not depend on width).
  constexpr size_t kMaxSteps = 64;
  const size_t step = 4 * N;
  const size_t block = std::min(
      kMaxSteps * step,
      std::max<size_t>(step, static_cast<size_t>(block_elems) / step * step));

  Moments total;
  const size_t count = static_cast<size_t>(n);
  for (size_t start = 0; start < count; start += block) {
    const size_t end = std::min(count, start + block);
    auto s1a = hn::Zero(d), s1b = hn::Zero(d), s1c = hn::Zero(d),
         s1d = hn::Zero(d);
    auto s2a = hn::Zero(d), s2b = hn::Zero(d), s2c = hn::Zero(d),
         s2d = hn::Zero(d);
    size_t i = start;
    for (; i + step <= end; i += step) {
      const auto va = LoadShifted<kResidual, kSumOut>(d, src, i, scale, pivot);
      const auto vb =
          LoadShifted<kResidual, kSumOut>(d, src, i + N, scale, pivot);
      const auto vc =
          LoadShifted<kResidual, kSumOut>(d, src, i + 2 * N, scale, pivot);
      const auto vd =
          LoadShifted<kResidual, kSumOut>(d, src, i + 3 * N, scale, pivot);
      if (kCentered) {
        s1a = hn::Add(s1a, va);
        s1b = hn::Add(s1b, vb);
        s1c = hn::Add(s1c, vc);
        s1d = hn::Add(s1d, vd);
      }
      s2a = hn::MulAdd(va, va, s2a);
      s2b = hn::MulAdd(vb, vb, s2b);
      s2c = hn::MulAdd(vc, vc, s2c);
      s2d = hn::MulAdd(vd, vd, s2d);
    }
    for (; i + N <= end; i += N) {
      const auto v = LoadShifted<kResidual, kSumOut>(d, src, i, scale, pivot);
      if (kCentered) s1a = hn::Add(s1a, v);
      s2a = hn::MulAdd(v, v, s2a);
    }
    if (i < end) {
      const auto v = LoadShiftedTail<kResidual, kSumOut>(d, src, i, end - i,
                                                         scale, pivot);
      if (kCentered) s1a = hn::Add(s1a, v);
      s2a = hn::MulAdd(v, v, s2a);
    }
    const double sum_sq = hn::GetLane(hn::SumOfLanes(
        d, hn::Add(hn::Add(s2a, s2b), hn::Add(s2c, s2d))));
    const double block_count = static_cast<double>(end - start);
    Moments block_moments;
    if (kCentered) {
      const double sum = hn::GetLane(hn::SumOfLanes(
          d, hn::Add(hn::Add(s1a, s1b), hn::Add(s1c, s1d))));
      block_moments = MomentsFromSums(block_count, sum, sum_sq);
    } else {
      block_moments.count = block_count;
      block_moments.m2 = sum_sq;  // about 0: what RMSNorm needs
    }
    MergeMoments(total, block_moments);
  }
  return total;
}

inline Moments SpanMoments(const MomentsSource& src, int64_t n,
                           int64_t block_elems, bool centered) {
  if (src.residual != nullptr) {
    if (src.sum_out != nullptr) {
      return centered ? SpanMomentsT<true, true, true>(src, n, block_elems)
                      : SpanMomentsT<false, true, true>(src, n, block_elems);
    }
    return centered ? SpanMomentsT<true, true, false>(src, n, block_elems)
                    : SpanMomentsT<false, true, false>(src, n, block_elems);
  }
  return centered ? SpanMomentsT<true, false, false>(src, n, block_elems)
                  : SpanMomentsT<false, false, false>(src, n, block_elems);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_MOMENTS_INL_H_
