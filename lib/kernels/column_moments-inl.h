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

template <class S>
void ColumnSums(const void* x_bytes, int64_t rows, int64_t stride,
                int64_t channels, const float* HWY_RESTRICT scale,
                const float* HWY_RESTRICT scaled_pivot,
                double* HWY_RESTRICT sum, double* HWY_RESTRICT sum_sq) {
  using T = typename S::T;
  const T* HWY_RESTRICT x = static_cast<const T*>(x_bytes);
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const size_t C = static_cast<size_t>(channels);
  size_t c = 0;
  // Four vectors of channels per row: a few cache lines per row visit.
  // (Named variables, not arrays: SVE vectors cannot be array elements.)
  for (; c + 4 * N <= C; c += 4 * N) {
    const auto k0 = hn::LoadU(d, scale + c), k1 = hn::LoadU(d, scale + c + N),
               k2 = hn::LoadU(d, scale + c + 2 * N),
               k3 = hn::LoadU(d, scale + c + 3 * N);
    const auto p0 = hn::LoadU(d, scaled_pivot + c),
               p1 = hn::LoadU(d, scaled_pivot + c + N),
               p2 = hn::LoadU(d, scaled_pivot + c + 2 * N),
               p3 = hn::LoadU(d, scaled_pivot + c + 3 * N);
    auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d),
         a3 = hn::Zero(d);
    auto q0 = hn::Zero(d), q1 = hn::Zero(d), q2 = hn::Zero(d),
         q3 = hn::Zero(d);
    for (int64_t r = 0; r < rows; ++r) {
      const T* row = x + r * stride + c;
      const auto v0 = hn::MulSub(LoadF32<S>(d, row), k0, p0);
      const auto v1 = hn::MulSub(LoadF32<S>(d, row + N), k1, p1);
      const auto v2 = hn::MulSub(LoadF32<S>(d, row + 2 * N), k2, p2);
      const auto v3 = hn::MulSub(LoadF32<S>(d, row + 3 * N), k3, p3);
      a0 = hn::Add(a0, v0);
      a1 = hn::Add(a1, v1);
      a2 = hn::Add(a2, v2);
      a3 = hn::Add(a3, v3);
      q0 = hn::MulAdd(v0, v0, q0);
      q1 = hn::MulAdd(v1, v1, q1);
      q2 = hn::MulAdd(v2, v2, q2);
      q3 = hn::MulAdd(v3, v3, q3);
    }
    StoreColumnSums(d, a0, q0, N, sum + c, sum_sq + c);
    StoreColumnSums(d, a1, q1, N, sum + c + N, sum_sq + c + N);
    StoreColumnSums(d, a2, q2, N, sum + c + 2 * N, sum_sq + c + 2 * N);
    StoreColumnSums(d, a3, q3, N, sum + c + 3 * N, sum_sq + c + 3 * N);
  }
  for (; c + N <= C; c += N) {
    const auto k = hn::LoadU(d, scale + c);
    const auto p = hn::LoadU(d, scaled_pivot + c);
    auto s1 = hn::Zero(d), s2 = hn::Zero(d);
    for (int64_t r = 0; r < rows; ++r) {
      const auto v = hn::MulSub(LoadF32<S>(d, x + r * stride + c), k, p);
      s1 = hn::Add(s1, v);
      s2 = hn::MulAdd(v, v, s2);
    }
    StoreColumnSums(d, s1, s2, N, sum + c, sum_sq + c);
  }
  if (c < C) {
    const size_t rest = C - c;
    // Lanes past the end load 0 for x, scale and pivot alike: v = 0 there.
    const auto k = LoadTail(d, scale + c, rest);
    const auto p = LoadTail(d, scaled_pivot + c, rest);
    auto s1 = hn::Zero(d), s2 = hn::Zero(d);
    for (int64_t r = 0; r < rows; ++r) {
      const auto v =
          hn::MulSub(LoadF32Tail<S>(d, x + r * stride + c, rest), k, p);
      s1 = hn::Add(s1, v);
      s2 = hn::MulAdd(v, v, s2);
    }
    StoreColumnSums(d, s1, s2, rest, sum + c, sum_sq + c);
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_COLUMN_MOMENTS_INL_H_
