// Per-channel sums of a channels-last block: for each column c of a
// row-major [rows, channels] block with row stride `stride`, the sum and
// sum of squares of v = x * scale[c] - scaled_pivot[c] down the rows.
//
// Each value is read once. Lanes hold channels: sums run in fp32 down the
// rows (callers pass one spatial tile, so a lane sums at most a tile of
// small shifted values), then go out in double; the caller adds a group's
// channels and merges tiles with Chan's formula. The arithmetic of a
// channel is the same whichever vector (4-wide step, single vector or tail)
// holds it, so a channel's result does not depend on the channel range
// asked for: slices and full calls agree bit for bit. Lanes: any count,
// SCALAR included. Tail: partial last vector of channels, masked (never
// reads past column `channels` of a row).

#if defined(SIMDNORM_KERNELS_COLUMN_MOMENTS_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef SIMDNORM_KERNELS_COLUMN_MOMENTS_INL_H_
#undef SIMDNORM_KERNELS_COLUMN_MOMENTS_INL_H_
#else
#define SIMDNORM_KERNELS_COLUMN_MOMENTS_INL_H_
#endif

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "hwy/highway.h"
#include "kernels/storage-inl.h"
#include "kernels/tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class D>
HWY_INLINE void StoreColumnSums(D d, hn::Vec<D> s1, hn::Vec<D> s2,
                                size_t count, double* HWY_RESTRICT sum,
                                double* HWY_RESTRICT sum_sq) {
  HWY_ALIGN float lanes1[hn::MaxLanes(d)];
  HWY_ALIGN float lanes2[hn::MaxLanes(d)];
  hn::Store(s1, d, lanes1);
  hn::Store(s2, d, lanes2);
  for (size_t i = 0; i < count; ++i) {
    sum[i] = lanes1[i];
    sum_sq[i] = lanes2[i];
  }
}

// MedianOf3 lane by lane, with its compares and swaps: NaN compares false
// and is never swapped, as in the scalar code.
template <class V>
HWY_INLINE V MedianOf3Lanes(V a, V b, V c) {
  const auto ab = hn::Gt(a, b);
  const V lo = hn::IfThenElse(ab, b, a);
  const V hi = hn::IfThenElse(ab, a, b);
  const V mid = hn::IfThenElse(hn::Gt(hi, c), c, hi);
  return hn::IfThenElse(hn::Gt(lo, mid), lo, mid);
}

template <class S>
void ColumnPivots(const void* x_bytes, int64_t rows, int64_t stride,
                  int64_t channels, float* HWY_RESTRICT pivot) {
  using T = typename S::T;
  const T* HWY_RESTRICT first = static_cast<const T*>(x_bytes);
  const T* HWY_RESTRICT middle = first + (rows / 2) * stride;
  const T* HWY_RESTRICT last = first + (rows - 1) * stride;
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const size_t C = static_cast<size_t>(channels);
  size_t c = 0;
  for (; c + N <= C; c += N) {
    hn::StoreU(MedianOf3Lanes(LoadF32<S>(d, first + c),
                              LoadF32<S>(d, middle + c),
                              LoadF32<S>(d, last + c)),
               d, pivot + c);
  }
  if (c < C) {
    const size_t rest = C - c;
    StoreTail(MedianOf3Lanes(LoadF32Tail<S>(d, first + c, rest),
                             LoadF32Tail<S>(d, middle + c, rest),
                             LoadF32Tail<S>(d, last + c, rest)),
              d, pivot + c, rest);
  }
}

// Columns [c, c + kFull * N + rest) in one walk down the rows: kFull whole
// vectors of channels, then (kTail) a partial one of `rest` channels. One
// walk for all of them, not one per vector: a single accumulator chain
// per walk would wait on its add latency every row.
template <size_t kFull, bool kTail, class S>
HWY_INLINE void ColumnSumsStep(const typename S::T* HWY_RESTRICT x,
                               int64_t rows, int64_t stride, size_t c,
                               size_t rest, const float* HWY_RESTRICT scale,
                               const float* HWY_RESTRICT scaled_pivot,
                               double* HWY_RESTRICT sum,
                               double* HWY_RESTRICT sum_sq) {
  using T = typename S::T;
  constexpr size_t kSlots = kFull + (kTail ? 1 : 0);
  static_assert(kSlots >= 1 && kSlots <= 4, "one to four vectors");
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  // Slot j holds channels c + j * N onwards; the partial slot's lanes past
  // `rest` load 0 for x, scale and pivot alike: v = 0 there. (Signed: with
  // kFull = 0 an unsigned j < kFull would draw a warning.)
  const auto whole = [](size_t j) {
    return static_cast<int64_t>(j) < static_cast<int64_t>(kFull);
  };
  const auto coefficients = [&](const float* HWY_RESTRICT a, size_t j) {
    return whole(j) ? hn::LoadU(d, a + c + j * N)
                     : LoadTail(d, a + c + j * N, rest);
  };
  const auto value = [&](const T* HWY_RESTRICT row, size_t j) {
    return whole(j) ? LoadF32<S>(d, row + j * N)
                     : LoadF32Tail<S>(d, row + j * N, rest);
  };
  // (Named variables, not arrays: SVE vectors cannot be array elements.)
  const auto zero = hn::Zero(d);
  const auto k0 = coefficients(scale, 0);
  const auto k1 = kSlots > 1 ? coefficients(scale, 1) : zero;
  const auto k2 = kSlots > 2 ? coefficients(scale, 2) : zero;
  const auto k3 = kSlots > 3 ? coefficients(scale, 3) : zero;
  const auto p0 = coefficients(scaled_pivot, 0);
  const auto p1 = kSlots > 1 ? coefficients(scaled_pivot, 1) : zero;
  const auto p2 = kSlots > 2 ? coefficients(scaled_pivot, 2) : zero;
  const auto p3 = kSlots > 3 ? coefficients(scaled_pivot, 3) : zero;
  auto a0 = zero, a1 = zero, a2 = zero, a3 = zero;
  auto q0 = zero, q1 = zero, q2 = zero, q3 = zero;
  // Slot j of one row into its sums a and q.
  const auto add = [&](const T* HWY_RESTRICT row, size_t j, auto k, auto p,
                       auto& a, auto& q) {
    const auto v = hn::MulSub(value(row, j), k, p);
    a = hn::Add(a, v);
    q = hn::MulAdd(v, v, q);
  };
  for (int64_t r = 0; r < rows; ++r) {
    const T* row = x + r * stride + c;
    add(row, 0, k0, p0, a0, q0);
    if constexpr (kSlots > 1) add(row, 1, k1, p1, a1, q1);
    if constexpr (kSlots > 2) add(row, 2, k2, p2, a2, q2);
    if constexpr (kSlots > 3) add(row, 3, k3, p3, a3, q3);
  }
  const auto out = [&](auto s1, auto s2, size_t j) {
    StoreColumnSums(d, s1, s2, whole(j) ? N : rest, sum + c + j * N,
                    sum_sq + c + j * N);
  };
  out(a0, q0, 0);
  if constexpr (kSlots > 1) out(a1, q1, 1);
  if constexpr (kSlots > 2) out(a2, q2, 2);
  if constexpr (kSlots > 3) out(a3, q3, 3);
}

template <class S>
void ColumnSums(const void* x_bytes, int64_t rows, int64_t stride,
                int64_t channels, const float* HWY_RESTRICT scale,
                const float* HWY_RESTRICT scaled_pivot,
                double* HWY_RESTRICT sum, double* HWY_RESTRICT sum_sq) {
  using T = typename S::T;
  const T* HWY_RESTRICT x = static_cast<const T*>(x_bytes);
  const size_t N = hn::Lanes(hn::ScalableTag<float>());
  const size_t C = static_cast<size_t>(channels);
  size_t c = 0;
  // Four vectors of channels per row: a few cache lines per row visit.
  for (; c + 4 * N <= C; c += 4 * N) {
    ColumnSumsStep<4, false, S>(x, rows, stride, c, 0, scale, scaled_pivot,
                                sum, sum_sq);
  }
  // The rest (up to three vectors and a partial one) in one more walk.
  const size_t full = (C - c) / N, rest = (C - c) % N;
  const auto step = [&](auto full_vectors, auto tail) HWY_ATTR {
    ColumnSumsStep<decltype(full_vectors)::value, decltype(tail)::value, S>(
        x, rows, stride, c, rest, scale, scaled_pivot, sum, sum_sq);
  };
  using Partial = std::true_type;
  using Whole = std::false_type;
  switch (full * 2 + (rest != 0 ? 1 : 0)) {
    case 1: return step(std::integral_constant<size_t, 0>(), Partial());
    case 2: return step(std::integral_constant<size_t, 1>(), Whole());
    case 3: return step(std::integral_constant<size_t, 1>(), Partial());
    case 4: return step(std::integral_constant<size_t, 2>(), Whole());
    case 5: return step(std::integral_constant<size_t, 2>(), Partial());
    case 6: return step(std::integral_constant<size_t, 3>(), Whole());
    case 7: return step(std::integral_constant<size_t, 3>(), Partial());
    default: return;  // nothing left
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_COLUMN_MOMENTS_INL_H_
