// The RowKernels table of storage type S for the current target: what each
// row_kernels_<type>.cc instantiates.

#if defined(SIMDNORM_KERNELS_ROW_KERNEL_TABLE_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef SIMDNORM_KERNELS_ROW_KERNEL_TABLE_INL_H_
#undef SIMDNORM_KERNELS_ROW_KERNEL_TABLE_INL_H_
#else
#define SIMDNORM_KERNELS_ROW_KERNEL_TABLE_INL_H_
#endif

#include "hwy/highway.h"
#include "kernels/lanes-inl.h"
#include "kernels/moments-inl.h"
#include "kernels/convert-inl.h"
#include "kernels/quantize-inl.h"
#include "kernels/row_kernels.h"
#include "kernels/row_normalize-inl.h"
#include "kernels/storage-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {

template <class S>
const RowKernels* RowKernelsFor() {
  static constexpr RowKernels kKernels = {
      HWY_TARGET,       S::kDtype,         &F32Lanes,
      &SpanMoments<S>,  &RowNormalize<S>,  &RowsNormalize<S>,
      &RowNormalizeQuantized<S>, &Quantize,  &FormSum<S>,
      &NarrowFromF32<S>};
  return &kKernels;
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_ROW_KERNEL_TABLE_INL_H_
