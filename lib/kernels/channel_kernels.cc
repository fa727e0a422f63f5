// Compiles the channel-norm primitives once per ISA target and exports them
// as one ChannelKernels table per target.
#include "kernels/channel_kernels.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/channel_kernels.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/channel_normalize-inl.h"
#include "kernels/column_moments-inl.h"
#include "kernels/span_lane_sums-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {

const ChannelKernels* GetChannelKernels() {
  static constexpr ChannelKernels kKernels = {
      HWY_TARGET, &ColumnSums, &SpanLaneSums, &NormalizeChannelsFirst,
      &NormalizeChannelsLast};
  return &kKernels;
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/dispatch_table.h"

namespace simdnorm::internal {

SIMDNORM_EXPORT_KERNEL_TABLE(ChannelKernels, GetChannelKernels,
                             FindChannelKernels, ChannelKernelTargets)

}  // namespace simdnorm::internal
#endif  // HWY_ONCE
