// Row-norm kernels (LayerNorm, RMSNorm) for BF16 storage, compiled once per
// ISA target (see row_kernel_table-inl.h and row_kernels.cc); AVX-512 CPUs
// with AVX512_BF16 get the table that narrows in hardware.
#include "kernels/row_kernels.h"

#include "common/cpu_features.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/row_kernels_bf16.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/row_kernel_table-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {

const RowKernels* GetRowKernelsBF16() {
#if SIMDNORM_BF16_HARDWARE
  if (UseAvx512Bf16()) return RowKernelsFor<StorageBF16Hardware>();
#endif
  return RowKernelsFor<StorageBF16>();
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/dispatch_table.h"

namespace simdnorm::internal {

SIMDNORM_EXPORT_KERNEL_TABLE(RowKernels, GetRowKernelsBF16, FindRowKernelsBF16,
                             RowKernelTargetsBF16)

}  // namespace simdnorm::internal
#endif  // HWY_ONCE
