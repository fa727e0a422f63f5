// Compiles the row-norm primitives once per ISA target and exports them as
// one RowKernels table per target.
#include "kernels/row_kernels.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/row_kernels.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/lanes-inl.h"
#include "kernels/moments-inl.h"
#include "kernels/row_normalize-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {

const RowKernels* GetRowKernels() {
  static constexpr RowKernels kKernels = {HWY_TARGET, &F32Lanes, &SpanMoments,
                                          &RowNormalize, &RowsNormalize};
  return &kKernels;
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/dispatch_table.h"

namespace simdnorm::internal {

SIMDNORM_EXPORT_KERNEL_TABLE(RowKernels, GetRowKernels, FindRowKernels,
                             RowKernelTargets)

}  // namespace simdnorm::internal
#endif  // HWY_ONCE
