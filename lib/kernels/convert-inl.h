// Element-wise conversions between a storage type S and fp32 scratch: the
// residual-bias path forms s = (x + residual) + bias in fp32 and rounds its
// fp32 results once into 16-bit y and sum_out. The same fp32 additions in
// the same order on every target (plain IEEE adds, lane by lane).

#if defined(SIMDNORM_KERNELS_CONVERT_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SIMDNORM_KERNELS_CONVERT_INL_H_
#undef SIMDNORM_KERNELS_CONVERT_INL_H_
#else
#define SIMDNORM_KERNELS_CONVERT_INL_H_
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

// s[0, n) = (x + residual) + bias, or x + bias without a residual.
template <class S>
void FormSum(const void* x_in, const void* residual_in, const float* bias,
             float* s, int64_t n) {
  using T = typename S::T;
  const T* HWY_RESTRICT x = static_cast<const T*>(x_in);
  const T* HWY_RESTRICT residual = static_cast<const T*>(residual_in);
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const size_t count = static_cast<size_t>(n);
  const auto sum = [&](hn::Vec<decltype(d)> v, hn::Vec<decltype(d)> r,
                       hn::Vec<decltype(d)> b) HWY_ATTR {
    return hn::Add(residual != nullptr ? hn::Add(v, r) : v, b);
  };
  size_t i = 0;
  for (; i + N <= count; i += N) {
    const auto r = residual != nullptr ? LoadF32<S>(d, residual + i)
                                       : hn::Zero(d);
    hn::StoreU(sum(LoadF32<S>(d, x + i), r, hn::LoadU(d, bias + i)), d,
               s + i);
  }
  if (i < count) {
    const size_t rest = count - i;
    const auto r = residual != nullptr
                       ? LoadF32Tail<S>(d, residual + i, rest)
                       : hn::Zero(d);
    StoreTail(sum(LoadF32Tail<S>(d, x + i, rest), r,
                  LoadTail(d, bias + i, rest)),
              d, s + i, rest);
  }
}

// dst[0, n) of storage type S = src, rounded once (to nearest even).
template <class S>
void NarrowFromF32(const float* src, void* dst_out, int64_t n) {
  using T = typename S::T;
  T* HWY_RESTRICT dst = static_cast<T*>(dst_out);
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const size_t count = static_cast<size_t>(n);
  size_t i = 0;
  for (; i + N <= count; i += N) {
    StoreF32<S>(hn::LoadU(d, src + i), d, dst + i);
  }
  if (i < count) {
    StoreF32Tail<S>(LoadTail(d, src + i, count - i), d, dst + i, count - i);
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_CONVERT_INL_H_
