// The ChannelKernels table of storage type S for the current target: what
// each channel_kernels_<type>.cc instantiates.

#if defined(SIMDNORM_KERNELS_CHANNEL_KERNEL_TABLE_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef SIMDNORM_KERNELS_CHANNEL_KERNEL_TABLE_INL_H_
#undef SIMDNORM_KERNELS_CHANNEL_KERNEL_TABLE_INL_H_
#else
#define SIMDNORM_KERNELS_CHANNEL_KERNEL_TABLE_INL_H_
#endif

#include "hwy/highway.h"
#include "kernels/channel_kernels.h"
#include "kernels/channel_normalize-inl.h"
#include "kernels/column_moments-inl.h"
#include "kernels/quantize-inl.h"
#include "kernels/span_lane_sums-inl.h"
#include "kernels/storage-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {

template <class S>
const ChannelKernels* ChannelKernelsFor() {
  static constexpr ChannelKernels kKernels = {
      HWY_TARGET,
      S::kDtype,
      &ColumnSums<S>,
      &ColumnPivots<S>,
      &SpanLaneSums<S>,
      &NormalizeChannelsFirst<S>,
      &NormalizeChannelsLast<S>,
      &NormalizeChannelsFirstToF32<S>,
      &NormalizeChannelsLastToF32<S>,
      &Quantize};
  return &kKernels;
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_CHANNEL_KERNEL_TABLE_INL_H_
