// Row-norm kernels (LayerNorm, RMSNorm) for F16 storage, compiled once per
// ISA target (see row_kernel_table-inl.h and row_kernels.cc).
#include "kernels/row_kernels.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/row_kernels_f16.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/row_kernel_table-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {

const RowKernels* GetRowKernelsF16() { return RowKernelsFor<StorageF16>(); }

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/dispatch_table.h"

namespace simdnorm::internal {

SIMDNORM_EXPORT_KERNEL_TABLE(RowKernels, GetRowKernelsF16, FindRowKernelsF16,
                             RowKernelTargetsF16)

}  // namespace simdnorm::internal
#endif  // HWY_ONCE
