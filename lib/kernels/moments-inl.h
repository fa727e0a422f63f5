// Single-pass shifted moments of a contiguous span of values of storage
// type S (widened to fp32 lanes, see storage-inl.h).
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
#include "kernels/storage-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// MomentsSource with the pointers typed as storage S.
template <class S>
struct TypedSource {
  using T = typename S::T;
  explicit TypedSource(const MomentsSource& src)
      : x(static_cast<const T*>(src.x)),
        residual(static_cast<const T*>(src.residual)),
        sum_out(static_cast<T*>(src.sum_out)) {}
  const T* x;
  const T* residual;
  T* sum_out;
};

// v * scale - pivot, rounded once. kShifted = false: the caller knows that
// scale is 1 and pivot +0 (RMSNorm's whole rows), where that is exactly v.
template <bool kShifted, class V>
HWY_INLINE V ScaleShift(V v, V scale, V pivot) {
  return kShifted ? hn::MulSub(v, scale, pivot) : v;
}

// Reads values [i, i + lanes) of the source (x + residual, stored to sum_out
// when asked) and returns them scaled and shifted.
template <bool kResidual, bool kSumOut, bool kShifted = true, class S,
          class D>
HWY_INLINE hn::Vec<D> LoadShifted(D d, const TypedSource<S>& src, size_t i,
                                  hn::Vec<D> scale, hn::Vec<D> pivot) {
  auto v = LoadF32<S>(d, src.x + i);
  if (kResidual) {
    v = hn::Add(v, LoadF32<S>(d, src.residual + i));
    if (kSumOut) StoreF32<S>(v, d, src.sum_out + i);
  }
  return ScaleShift<kShifted>(v, scale, pivot);
}

template <bool kResidual, bool kSumOut, bool kShifted = true, class S,
          class D>
HWY_INLINE hn::Vec<D> LoadShiftedTail(D d, const TypedSource<S>& src,
                                      size_t i, size_t count, hn::Vec<D> scale,
                                      hn::Vec<D> pivot) {
  auto v = LoadF32Tail<S>(d, src.x + i, count);
  if (kResidual) {
    v = hn::Add(v, LoadF32Tail<S>(d, src.residual + i, count));
    if (kSumOut) StoreF32Tail<S>(v, d, src.sum_out + i, count);
  }
  // Lanes past the end loaded 0, which would shift to -pivot: clear them.
  return hn::IfThenElseZero(hn::FirstN(d, count),
                            ScaleShift<kShifted>(v, scale, pivot));
}

// Lane sums of v and v^2 over values [start, end), reduced to double.
// Whole unrolled steps, then single vectors, then a masked tail.
template <bool kCentered, bool kResidual, bool kSumOut, bool kShifted = true,
          class S, class D>
HWY_INLINE void BlockSums(D d, const TypedSource<S>& src, size_t start,
                          size_t end, hn::Vec<D> scale, hn::Vec<D> pivot,
                          double* sum, double* sum_sq) {
  const size_t N = hn::Lanes(d);
  const size_t step = 4 * N;
  auto s1a = hn::Zero(d), s1b = hn::Zero(d), s1c = hn::Zero(d),
       s1d = hn::Zero(d);
  auto s2a = hn::Zero(d), s2b = hn::Zero(d), s2c = hn::Zero(d),
       s2d = hn::Zero(d);
  size_t i = start;
  for (; i + step <= end; i += step) {
    const auto va =
        LoadShifted<kResidual, kSumOut, kShifted>(d, src, i, scale, pivot);
    const auto vb = LoadShifted<kResidual, kSumOut, kShifted>(
        d, src, i + N, scale, pivot);
    const auto vc = LoadShifted<kResidual, kSumOut, kShifted>(
        d, src, i + 2 * N, scale, pivot);
    const auto vd = LoadShifted<kResidual, kSumOut, kShifted>(
        d, src, i + 3 * N, scale, pivot);
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
    const auto v =
        LoadShifted<kResidual, kSumOut, kShifted>(d, src, i, scale, pivot);
    if (kCentered) s1a = hn::Add(s1a, v);
    s2a = hn::MulAdd(v, v, s2a);
  }
  if (i < end) {
    const auto v = LoadShiftedTail<kResidual, kSumOut, kShifted>(
        d, src, i, end - i, scale, pivot);
    if (kCentered) s1a = hn::Add(s1a, v);
    s2a = hn::MulAdd(v, v, s2a);
  }
  *sum_sq = hn::GetLane(
      hn::SumOfLanes(d, hn::Add(hn::Add(s2a, s2b), hn::Add(s2c, s2d))));
  *sum = 0.0;
  if (kCentered) {
    *sum = hn::GetLane(
        hn::SumOfLanes(d, hn::Add(hn::Add(s1a, s1b), hn::Add(s1c, s1d))));
  }
}

// Moments of one block from its sums (see BlockSums).
template <bool kCentered>
HWY_INLINE Moments BlockMoments(double count, double sum, double sum_sq) {
  if (kCentered) return MomentsFromSums(count, sum, sum_sq);
  Moments m;
  m.count = count;
  m.m2 = sum_sq;  // about 0: what RMSNorm needs
  return m;
}

// Block size actually used: whole unrolled steps, so that only the last
// block has a tail; at most kMaxSteps per block, so that each fp32
// accumulator sums a bounded number of values on every target (accuracy
// does not depend on the vector width).
HWY_INLINE size_t MomentsBlock(size_t lanes, int64_t block_elems) {
  constexpr size_t kMaxSteps = 64;
  const size_t step = 4 * lanes;
  return HWY_MIN(kMaxSteps * step,
                 HWY_MAX(step, static_cast<size_t>(block_elems) / step * step));
}

template <bool kCentered, bool kResidual, bool kSumOut, class S>
HWY_INLINE Moments SpanMomentsT(const MomentsSource& source, int64_t n,
                                int64_t block_elems) {
  const hn::ScalableTag<float> d;
  const TypedSource<S> src(source);
  const auto scale = hn::Set(d, source.scale);
  const auto pivot = hn::Set(d, source.scaled_pivot);
  const size_t block = MomentsBlock(hn::Lanes(d), block_elems);

  Moments total;
  const size_t count = static_cast<size_t>(n);
  for (size_t start = 0; start < count; start += block) {
    const size_t end = HWY_MIN(count, start + block);
    double sum, sum_sq;
    BlockSums<kCentered, kResidual, kSumOut>(d, src, start, end, scale, pivot,
                                             &sum, &sum_sq);
    MergeMoments(total, BlockMoments<kCentered>(
                            static_cast<double>(end - start), sum, sum_sq));
  }
  return total;
}

template <class S>
Moments SpanMoments(const MomentsSource& src, int64_t n, int64_t block_elems,
                    bool centered) {
  if (src.residual != nullptr) {
    if (src.sum_out != nullptr) {
      return centered
                 ? SpanMomentsT<true, true, true, S>(src, n, block_elems)
                 : SpanMomentsT<false, true, true, S>(src, n, block_elems);
    }
    return centered ? SpanMomentsT<true, true, false, S>(src, n, block_elems)
                    : SpanMomentsT<false, true, false, S>(src, n, block_elems);
  }
  return centered ? SpanMomentsT<true, false, false, S>(src, n, block_elems)
                  : SpanMomentsT<false, false, false, S>(src, n, block_elems);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_MOMENTS_INL_H_
