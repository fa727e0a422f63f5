// Normalize pass of the row norms: one read of x (and residual), one write
// of y. y = ((x + r) * scale - scaled_pivot - shifted_mean) * inv_std
//        * gamma + beta.
// Subtracting the pivot first keeps x - pivot exact near the pivot (large
// offsets stay accurate); scale is 1 except for huge or tiny data. In place
// (y == x or y == residual) is fine: each vector is read before it is
// written. Tail: partial last vector, masked.

#if defined(SIMDNORM_KERNELS_ROW_NORMALIZE_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef SIMDNORM_KERNELS_ROW_NORMALIZE_INL_H_
#undef SIMDNORM_KERNELS_ROW_NORMALIZE_INL_H_
#else
#define SIMDNORM_KERNELS_ROW_NORMALIZE_INL_H_
#endif

#include <cstdint>

#include "hwy/highway.h"
#include "kernels/row_kernels.h"
#include "kernels/tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <bool kResidual, bool kGamma, bool kBeta, class D>
HWY_INLINE hn::Vec<D> NormalizeVector(D d, hn::Vec<D> v, hn::Vec<D> r,
                                      const RowAffine& a, size_t i,
                                      hn::Vec<D> scale, hn::Vec<D> pivot,
                                      hn::Vec<D> mean, hn::Vec<D> inv_std) {
  if (kResidual) v = hn::Add(v, r);
  v = hn::Mul(hn::Sub(hn::MulSub(v, scale, pivot), mean), inv_std);
  if (kGamma && kBeta) {
    return hn::MulAdd(v, hn::LoadU(d, a.gamma + i), hn::LoadU(d, a.beta + i));
  }
  if (kGamma) return hn::Mul(v, hn::LoadU(d, a.gamma + i));
  if (kBeta) return hn::Add(v, hn::LoadU(d, a.beta + i));
  return v;
}

template <bool kResidual, bool kGamma, bool kBeta>
void RowNormalizeT(const float* HWY_RESTRICT x, const float* residual,
                   float* y, int64_t n, const RowAffine& a) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const auto scale = hn::Set(d, a.scale);
  const auto pivot = hn::Set(d, a.scaled_pivot);
  const auto mean = hn::Set(d, a.shifted_mean);
  const auto inv_std = hn::Set(d, a.inv_std);
  const size_t count = static_cast<size_t>(n);
  const auto zero = hn::Zero(d);
  size_t i = 0;
  for (; i + 2 * N <= count; i += 2 * N) {
    const auto v0 = hn::LoadU(d, x + i);
    const auto v1 = hn::LoadU(d, x + i + N);
    const auto r0 = kResidual ? hn::LoadU(d, residual + i) : zero;
    const auto r1 = kResidual ? hn::LoadU(d, residual + i + N) : zero;
    hn::StoreU(NormalizeVector<kResidual, kGamma, kBeta>(
                   d, v0, r0, a, i, scale, pivot, mean, inv_std),
               d, y + i);
    hn::StoreU(NormalizeVector<kResidual, kGamma, kBeta>(
                   d, v1, r1, a, i + N, scale, pivot, mean, inv_std),
               d, y + i + N);
  }
  for (; i + N <= count; i += N) {
    const auto v = hn::LoadU(d, x + i);
    const auto r = kResidual ? hn::LoadU(d, residual + i) : zero;
    hn::StoreU(NormalizeVector<kResidual, kGamma, kBeta>(
                   d, v, r, a, i, scale, pivot, mean, inv_std),
               d, y + i);
  }
  if (i < count) {
    const size_t rest = count - i;
    const auto v = LoadTail(d, x + i, rest);
    const auto r = kResidual ? LoadTail(d, residual + i, rest) : zero;
    auto out = hn::Mul(hn::Sub(hn::MulSub(kResidual ? hn::Add(v, r) : v,
                                          scale, pivot),
                               mean),
                       inv_std);
    if (kGamma) out = hn::Mul(out, LoadTail(d, a.gamma + i, rest));
    if (kBeta) out = hn::Add(out, LoadTail(d, a.beta + i, rest));
    StoreTail(out, d, y + i, rest);
  }
}

template <bool kResidual>
void RowNormalizeAffine(const float* x, const float* residual, float* y,
                        int64_t n, const RowAffine& a) {
  if (a.gamma != nullptr) {
    if (a.beta != nullptr) {
      return RowNormalizeT<kResidual, true, true>(x, residual, y, n, a);
    }
    return RowNormalizeT<kResidual, true, false>(x, residual, y, n, a);
  }
  if (a.beta != nullptr) {
    return RowNormalizeT<kResidual, false, true>(x, residual, y, n, a);
  }
  return RowNormalizeT<kResidual, false, false>(x, residual, y, n, a);
}

inline void RowNormalize(const float* x, const float* residual, float* y,
                         int64_t n, const RowAffine& a) {
  if (residual != nullptr) return RowNormalizeAffine<true>(x, residual, y, n, a);
  return RowNormalizeAffine<false>(x, residual, y, n, a);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_ROW_NORMALIZE_INL_H_
