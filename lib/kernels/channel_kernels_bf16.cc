// Channel-norm kernels (GroupNorm, InstanceNorm, BatchNorm) for BF16 storage,
// compiled once per ISA target (see channel_kernel_table-inl.h and
// channel_kernels.cc); AVX-512 CPUs with AVX512_BF16 get the table that
// narrows in hardware.
#include "kernels/channel_kernels.h"

#include "common/cpu_features.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/channel_kernels_bf16.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/channel_kernel_table-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {

const ChannelKernels* GetChannelKernelsBF16() {
#if SIMDNORM_BF16_HARDWARE
  if (UseAvx512Bf16()) return ChannelKernelsFor<StorageBF16Hardware>();
#endif
  return ChannelKernelsFor<StorageBF16>();
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/dispatch_table.h"

namespace simdnorm::internal {

SIMDNORM_EXPORT_KERNEL_TABLE(ChannelKernels, GetChannelKernelsBF16,
                             FindChannelKernelsBF16, ChannelKernelTargetsBF16)

}  // namespace simdnorm::internal
#endif  // HWY_ONCE
