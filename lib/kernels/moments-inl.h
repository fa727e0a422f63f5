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

#include "common/alignment.h"
#include "common/contract.h"
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

// How far (in values) x + start sits past a vector-aligned address, when
// BlockSums should read it through BlockSumsFromAligned; else 0. Only for
// vectors of 32 bytes or more: 16-byte vectors rarely cross a line.
template <class S, class D>
HWY_INLINE size_t AlignedLoadsShift(D d, const typename S::T* x, size_t start,
                                    size_t end) {
  const size_t N = hn::Lanes(d);
  if (N < 8 || (N & (N - 1)) != 0 || end - start < 8 * N ||
      !ElementAligned(x + start)) {
    return 0;
  }
  return ElementsPastVector(x + start, N);
}

// BlockSums' order of accumulation, shared by its two ways of reading the
// values [0, count) of a block: whole steps of four vectors, vector j of a
// step into accumulator j (step(i, add) calls add(va, vb, vc, vd) for the
// step at i), then single vectors one(i) and the masked tail tail(i, n)
// into the first accumulator. `reduce` maps the accumulators' sum before
// the lane reduction. (Lambdas, not a struct of vectors: SVE vectors
// cannot be members. Step lambdas are generic, and GCC left them out of
// line, with the accumulators in memory, unless marked always_inline.)
template <bool kCentered, class D, class Step, class One, class Tail,
          class Reduce>
HWY_INLINE void SumInOrder(D d, size_t count, const Step& step, const One& one,
                           const Tail& tail, const Reduce& reduce, double* sum,
                           double* sum_sq) {
  using V = hn::Vec<D>;
  const size_t N = hn::Lanes(d);
  auto s1a = hn::Zero(d), s1b = hn::Zero(d), s1c = hn::Zero(d),
       s1d = hn::Zero(d);
  auto s2a = hn::Zero(d), s2b = hn::Zero(d), s2c = hn::Zero(d),
       s2d = hn::Zero(d);
  const auto add_step = [&](V va, V vb, V vc, V vd) HWY_ATTR {
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
  };
  const auto add_one = [&](V v) HWY_ATTR {
    if (kCentered) s1a = hn::Add(s1a, v);
    s2a = hn::MulAdd(v, v, s2a);
  };
  size_t i = 0;
  for (; i + 4 * N <= count; i += 4 * N) step(i, add_step);
  for (; i + N <= count; i += N) add_one(one(i));
  if (i < count) add_one(tail(i, count - i));
  const auto total = [&](V a, V b, V c, V e) HWY_ATTR {
    return hn::GetLane(
        hn::SumOfLanes(d, reduce(hn::Add(hn::Add(a, b), hn::Add(c, e)))));
  };
  *sum_sq = total(s2a, s2b, s2c, s2d);
  *sum = kCentered ? total(s1a, s1b, s1c, s1d) : 0.0;
}

// BlockSums without a residual for x + start sitting m values (0 < m <
// Lanes) past a vector-aligned address, from aligned loads, with the same
// sums bit for bit. A misaligned vector load crosses a cache line; from
// memory, those loads made the statistics pass of LayerNorm 4096x768 with
// x 16 bytes past a line take twice as long (Zen 5, AVX3).
// With A_k the aligned vector at x + start - m + k * Lanes, vector k of
// BlockSums (values start + k * Lanes + j) is IfThenElse(lane < m,
// A_{k+1}, A_k) with value j in lane (j + m) mod Lanes: every lane adds
// the same values in the same order into the same accumulator as
// BlockSums does, only in another lane, and the lane sums are rotated back
// before the reduction. Vectors whose aligned neighbours would reach
// outside [start, end) (the first, those of the last step, the single
// vectors and the tail) are loaded as in BlockSums and rotated instead.
template <bool kCentered, bool kShifted, class S, class D>
HWY_INLINE void BlockSumsFromAligned(D d, const TypedSource<S>& src,
                                     size_t start, size_t end, size_t m,
                                     hn::Vec<D> scale, hn::Vec<D> pivot,
                                     double* sum, double* sum_sq) {
  using T = typename S::T;
  using V = hn::Vec<D>;
  const size_t N = hn::Lanes(d);
  const size_t count = end - start;
  SIMDNORM_DASSERT(m != 0 && m < N && count >= 8 * N);
  const T* HWY_RESTRICT xs = src.x + start;
  const T* HWY_RESTRICT xa = xs - m;  // A_k = xa + k * N
  const hn::RebindToSigned<D> di;
  const auto lane = hn::Iota(di, 0);
  const auto last_lane = hn::Set(di, static_cast<int32_t>(N - 1));
  const auto to_rotated = hn::IndicesFromVec(
      d, hn::And(hn::Add(lane, hn::Set(di, static_cast<int32_t>(N - m))),
                 last_lane));
  const auto from_rotated = hn::IndicesFromVec(
      d, hn::And(hn::Add(lane, hn::Set(di, static_cast<int32_t>(m))),
                 last_lane));
  const auto low = hn::FirstN(d, m);  // lanes from A_{k+1}
  const auto shifted = [&](V v) HWY_ATTR {
    return ScaleShift<kShifted>(v, scale, pivot);
  };
  const auto joined = [&](V a_k, V a_next) HWY_ATTR {
    return shifted(hn::IfThenElse(low, a_next, a_k));
  };
  const auto rotated_at = [&](size_t i) HWY_ATTR {
    return hn::TableLookupLanes(shifted(LoadF32<S>(d, xs + i)), to_rotated);
  };
  // A_k of the step at i, carried over from the previous step.
  auto a_k = hn::Zero(d);
  const auto step = [&](size_t i, const auto& add)
      HWY_ATTR __attribute__((always_inline)) {
    if (i == 0) {  // vector 0 starts before A_1; count >= 8N: A_4 is inside
      const auto a1 = LoadF32<S>(d, xa + N), a2 = LoadF32<S>(d, xa + 2 * N),
                 a3 = LoadF32<S>(d, xa + 3 * N);
      a_k = LoadF32<S>(d, xa + 4 * N);
      add(rotated_at(0), joined(a1, a2), joined(a2, a3), joined(a3, a_k));
    } else if (i + 5 * N <= count + m) {  // A_{k+4} ends within the span
      const T* HWY_RESTRICT p = xa + i;
      const auto a1 = LoadF32<S>(d, p + N), a2 = LoadF32<S>(d, p + 2 * N),
                 a3 = LoadF32<S>(d, p + 3 * N), a4 = LoadF32<S>(d, p + 4 * N);
      add(joined(a_k, a1), joined(a1, a2), joined(a2, a3), joined(a3, a4));
      a_k = a4;
    } else {
      add(rotated_at(i), rotated_at(i + N), rotated_at(i + 2 * N),
          rotated_at(i + 3 * N));
    }
  };
  SumInOrder<kCentered>(
      d, count, step, rotated_at,
      [&](size_t i, size_t n) HWY_ATTR {
        return hn::TableLookupLanes(
            LoadShiftedTail<false, false, kShifted>(d, src, start + i, n,
                                                    scale, pivot),
            to_rotated);
      },
      [&](V v) HWY_ATTR { return hn::TableLookupLanes(v, from_rotated); }, sum,
      sum_sq);
}

// Lane sums of v and v^2 over values [start, end), reduced to double.
// Whole unrolled steps, then single vectors, then a masked tail.
template <bool kCentered, bool kResidual, bool kSumOut, bool kShifted = true,
          class S, class D>
HWY_INLINE void BlockSums(D d, const TypedSource<S>& src, size_t start,
                          size_t end, hn::Vec<D> scale, hn::Vec<D> pivot,
                          double* sum, double* sum_sq) {
  using V = hn::Vec<D>;
  if constexpr (!kResidual) {
    const size_t m = AlignedLoadsShift<S>(d, src.x, start, end);
    if (m != 0) {
      return BlockSumsFromAligned<kCentered, kShifted>(
          d, src, start, end, m, scale, pivot, sum, sum_sq);
    }
  }
  const size_t N = hn::Lanes(d);
  const auto at = [&](size_t i) HWY_ATTR {
    return LoadShifted<kResidual, kSumOut, kShifted>(d, src, start + i, scale,
                                                     pivot);
  };
  const auto step = [&](size_t i, const auto& add)
      HWY_ATTR __attribute__((always_inline)) {
    const auto va = at(i), vb = at(i + N), vc = at(i + 2 * N),
               vd = at(i + 3 * N);
    add(va, vb, vc, vd);
  };
  SumInOrder<kCentered>(
      d, end - start, step, at,
      [&](size_t i, size_t n) HWY_ATTR {
        return LoadShiftedTail<kResidual, kSumOut, kShifted>(
            d, src, start + i, n, scale, pivot);
      },
      [](V v) HWY_ATTR { return v; }, sum, sum_sq);
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
