// Loads and stores of the last partial vector (count < Lanes(d)) that never
// touch memory outside [p, p + count): safe at page ends and under ASan.
// Highway 1.0.3's MaskedLoad reads a whole (aligned) vector on SSE4 and NEON
// (and on AVX2 for 16-bit lanes), so those go through a small stack buffer.

#if defined(SIMDNORM_KERNELS_TAIL_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SIMDNORM_KERNELS_TAIL_INL_H_
#undef SIMDNORM_KERNELS_TAIL_INL_H_
#else
#define SIMDNORM_KERNELS_TAIL_INL_H_
#endif

#include <cstring>

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Whether MaskedLoad / BlendedStore of lanes of `bytes` never touch
// memory outside the mask: AVX-512 and SVE always, AVX2 for 32- and 64-bit
// lanes only (its 16-bit MaskedLoad is a full load plus a blend).
constexpr bool SafeMaskedMemory(size_t bytes) {
#if HWY_TARGET == HWY_SVE || HWY_TARGET == HWY_SVE2 || \
    HWY_TARGET == HWY_SVE_256 || HWY_TARGET == HWY_SVE2_128
  return bytes != 0;
#elif HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  return bytes != 0;
#elif HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
  return bytes >= 4;
#else
  return bytes == 0;
#endif
}

// Lanes [count, Lanes(d)) of the result are zero.
template <class D, typename T = hn::TFromD<D>>
HWY_INLINE hn::Vec<D> LoadTail(D d, const T* HWY_RESTRICT p, size_t count) {
  if constexpr (SafeMaskedMemory(sizeof(T))) {
    return hn::MaskedLoad(hn::FirstN(d, count), d, p);
  } else {
    HWY_ALIGN T buffer[hn::MaxLanes(d)] = {};
    std::memcpy(buffer, p, count * sizeof(T));
    return hn::Load(d, buffer);
  }
}

template <class D, typename T = hn::TFromD<D>>
HWY_INLINE void StoreTail(hn::Vec<D> v, D d, T* HWY_RESTRICT p, size_t count) {
  if constexpr (SafeMaskedMemory(sizeof(T))) {
    hn::BlendedStore(v, hn::FirstN(d, count), d, p);
  } else {
    HWY_ALIGN T buffer[hn::MaxLanes(d)];
    hn::Store(v, d, buffer);
    std::memcpy(p, buffer, count * sizeof(T));
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_TAIL_INL_H_
