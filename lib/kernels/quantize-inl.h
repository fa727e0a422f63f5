// Quantized outputs: fp32 values to SIMDNORM_S8 / SIMDNORM_U8 as
// q = saturate(round_half_even(v / scale) + zero_point), the convention of
// ONNX QuantizeLinear and oneDNN. v / scale is an IEEE division (the row
// norms usually fold 1 / scale into gamma and beta instead and pass scale
// 1, which skips it), then clamped to the integers that stay in
// range after the zero point is added, so the conversion to int32 never
// overflows (Inf saturates like any large value). NaN quantizes to the
// zero point (as v = 0): integers have no NaN.

#if defined(SIMDNORM_KERNELS_QUANTIZE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SIMDNORM_KERNELS_QUANTIZE_INL_H_
#undef SIMDNORM_KERNELS_QUANTIZE_INL_H_
#else
#define SIMDNORM_KERNELS_QUANTIZE_INL_H_
#endif

#include <cstddef>
#include <cstdint>

#include "hwy/highway.h"
#include "kernels/tail-inl.h"
#include "simdnorm/simdnorm.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Clamped values (integers in range once zero_point is added) to Q.
template <typename Q, class D>
HWY_INLINE hn::Vec<hn::Rebind<Q, D>> ToQuantized(D d, hn::Vec<D> clamped,
                                                 hn::Vec<hn::RebindToSigned<D>>
                                                     zero_point) {
  const hn::Rebind<Q, D> dq;
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  if constexpr (hn::MaxLanes(d) == 16) {
    // The values are in range: no overflow fix-up after the conversion and
    // a truncating narrowing (vpmovdb) instead of two packs and a
    // permute. Rounding to nearest even whatever MXCSR says.
    (void)dq;
    const __m512i q = _mm512_add_epi32(
        _mm512_cvt_roundps_epi32(clamped.raw, _MM_FROUND_TO_NEAREST_INT |
                                                  _MM_FROUND_NO_EXC),
        zero_point.raw);
    return hn::Vec<hn::Rebind<Q, D>>{_mm512_cvtepi32_epi8(q)};
  }
#endif
  (void)d;
  return hn::DemoteTo(dq, hn::Add(hn::NearestInt(clamped), zero_point));
}

template <typename Q, bool kDivide>
void QuantizeT(const float* HWY_RESTRICT src, Q* HWY_RESTRICT dst, size_t n,
               float scale, int32_t zero_point) {
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const hn::Rebind<Q, decltype(d)> dq;
  const size_t N = hn::Lanes(d);
  constexpr float kMin = static_cast<float>(hwy::LimitsMin<Q>());
  constexpr float kMax = static_cast<float>(hwy::LimitsMax<Q>());
  const auto vscale = hn::Set(d, scale);
  // Before the zero point is added: integers in [lo, hi] stay in range.
  const auto lo = hn::Set(d, kMin - static_cast<float>(zero_point));
  const auto hi = hn::Set(d, kMax - static_cast<float>(zero_point));
  const auto zp = hn::Set(di, zero_point);
  const auto quantize = [&](hn::Vec<decltype(d)> v) HWY_ATTR {
    auto q = kDivide ? hn::Div(v, vscale) : v;
    q = hn::IfThenElseZero(hn::Eq(q, q), q);  // NaN -> 0
    return ToQuantized<Q>(d, hn::Min(hn::Max(q, lo), hi), zp);
  };
  size_t i = 0;
  for (; i + N <= n; i += N) {
    hn::StoreU(quantize(hn::LoadU(d, src + i)), dq, dst + i);
  }
  if (i < n) {
    StoreTail(quantize(LoadTail(d, src + i, n - i)), dq, dst + i, n - i);
  }
}

// dst[0, n) of type `dtype` (SIMDNORM_S8 or SIMDNORM_U8) from src.
inline void Quantize(const float* src, void* dst, int64_t n, float scale,
                     int32_t zero_point, simdnorm_dtype dtype) {
  const size_t count = static_cast<size_t>(n);
  // scale 1: the values are already in units of the scale (the caller
  // folded it into the normalize); skip the division.
  if (dtype == SIMDNORM_S8) {
    scale == 1.0f ? QuantizeT<int8_t, false>(src, static_cast<int8_t*>(dst),
                                             count, scale, zero_point)
                  : QuantizeT<int8_t, true>(src, static_cast<int8_t*>(dst),
                                            count, scale, zero_point);
  } else {
    scale == 1.0f ? QuantizeT<uint8_t, false>(src, static_cast<uint8_t*>(dst),
                                              count, scale, zero_point)
                  : QuantizeT<uint8_t, true>(src, static_cast<uint8_t*>(dst),
                                             count, scale, zero_point);
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_QUANTIZE_INL_H_
