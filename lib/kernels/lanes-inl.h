// Vector width of the target, exported per target (hwy::VectorBytes() is not
// exported by Debian's libhwy 1.0.3).

#if defined(SIMDNORM_KERNELS_LANES_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SIMDNORM_KERNELS_LANES_INL_H_
#undef SIMDNORM_KERNELS_LANES_INL_H_
#else
#define SIMDNORM_KERNELS_LANES_INL_H_
#endif

#include <cstddef>

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {

inline size_t F32Lanes() {
  return hwy::HWY_NAMESPACE::Lanes(hwy::HWY_NAMESPACE::ScalableTag<float>());
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_LANES_INL_H_
