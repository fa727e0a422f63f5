// Loads and stores of the last partial vector (count < Lanes(d)) that never
// touch memory outside [p, p + count): safe at page ends and under ASan.
// Highway 1.0.3's MaskedLoad reads a whole (aligned) vector on SSE4 and NEON,
// so those targets go through a small stack buffer instead.

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

#if (HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2) || HWY_TARGET == HWY_SVE || \
    HWY_TARGET == HWY_SVE2 || HWY_TARGET == HWY_SVE_256 ||              \
    HWY_TARGET == HWY_SVE2_128
#define SIMDNORM_HAVE_SAFE_MASKED_MEMORY 1
#else
#define SIMDNORM_HAVE_SAFE_MASKED_MEMORY 0
#endif

// Lanes [count, Lanes(d)) of the result are zero.
template <class D, typename T = hn::TFromD<D>>
HWY_INLINE hn::Vec<D> LoadTail(D d, const T* HWY_RESTRICT p, size_t count) {
#if SIMDNORM_HAVE_SAFE_MASKED_MEMORY
  return hn::MaskedLoad(hn::FirstN(d, count), d, p);
#else
  HWY_ALIGN T buffer[hn::MaxLanes(d)] = {};
  std::memcpy(buffer, p, count * sizeof(T));
  return hn::Load(d, buffer);
#endif
}

template <class D, typename T = hn::TFromD<D>>
HWY_INLINE void StoreTail(hn::Vec<D> v, D d, T* HWY_RESTRICT p, size_t count) {
#if SIMDNORM_HAVE_SAFE_MASKED_MEMORY
  hn::BlendedStore(v, hn::FirstN(d, count), d, p);
#else
  HWY_ALIGN T buffer[hn::MaxLanes(d)];
  hn::Store(v, d, buffer);
  std::memcpy(p, buffer, count * sizeof(T));
#endif
}

#undef SIMDNORM_HAVE_SAFE_MASKED_MEMORY

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_TAIL_INL_H_
