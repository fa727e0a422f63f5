// Lane-wise sums of many short adjacent spans (NCHW BatchNorm statistics
// with small spatial extent, e.g. 2048 channels of 7x7): per span c, value
// i adds v = x - pivot[c] and v * v into lane i mod L of the span's own
// accumulators sum[c * L, (c + 1) * L) and sum_sq[...], L = Lanes. Nothing
// is reduced across lanes here: the caller adds a block of samples into
// the same accumulators, then reduces each span's lanes once (in double),
// so the per-span cost is a few vector operations instead of a horizontal
// reduction and a double merge.
//
// Which lane a value goes to depends only on its index in the span, so the
// sums do not depend on the buffer's alignment. Lanes: any count, SCALAR
// included. Tail: the partial last vector of a span is masked (adds 0,
// reads nothing past the span).

#if defined(SIMDNORM_KERNELS_SPAN_LANE_SUMS_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef SIMDNORM_KERNELS_SPAN_LANE_SUMS_INL_H_
#undef SIMDNORM_KERNELS_SPAN_LANE_SUMS_INL_H_
#else
#define SIMDNORM_KERNELS_SPAN_LANE_SUMS_INL_H_
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

template <class S>
void SpanLaneSums(const void* x_bytes, int64_t spans, int64_t len,
                  const float* HWY_RESTRICT pivot, float* HWY_RESTRICT sum,
                  float* HWY_RESTRICT sum_sq) {
  using T = typename S::T;
  const T* HWY_RESTRICT x = static_cast<const T*>(x_bytes);
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const size_t n = static_cast<size_t>(len);
  for (int64_t c = 0; c < spans; ++c, x += len) {
    const auto p = hn::Set(d, pivot[c]);
    float* s1_at = sum + static_cast<size_t>(c) * N;
    float* s2_at = sum_sq + static_cast<size_t>(c) * N;
    auto s1 = hn::LoadU(d, s1_at), s2 = hn::LoadU(d, s2_at);
    size_t i = 0;
    for (; i + N <= n; i += N) {
      const auto v = hn::Sub(LoadF32<S>(d, x + i), p);
      s1 = hn::Add(s1, v);
      s2 = hn::MulAdd(v, v, s2);
    }
    if (i < n) {
      const auto mask = hn::FirstN(d, n - i);
      const auto v =
          hn::IfThenElseZero(mask, hn::Sub(LoadF32Tail<S>(d, x + i, n - i), p));
      s1 = hn::Add(s1, v);
      s2 = hn::MulAdd(v, v, s2);
    }
    hn::StoreU(s1, d, s1_at);
    hn::StoreU(s2, d, s2_at);
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_SPAN_LANE_SUMS_INL_H_
