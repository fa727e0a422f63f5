// The channel kernel tables of every storage type
// (channel_kernels_<type>.cc).
#include "kernels/channel_kernels.h"

#include "common/storage.h"

namespace simdnorm::internal {

#define SIMDNORM_DECLARE_CHANNEL_KERNELS(name, dtype_value, bytes, text) \
  const ChannelKernels* FindChannelKernels##name(int64_t target);  \
  int64_t ChannelKernelTargets##name();
SIMDNORM_FOR_EACH_STORAGE(SIMDNORM_DECLARE_CHANNEL_KERNELS)
#undef SIMDNORM_DECLARE_CHANNEL_KERNELS

const ChannelKernels* FindChannelKernels(int64_t target,
                                         simdnorm_dtype dtype) {
#define SIMDNORM_FIND_CHANNEL_KERNELS(name, dtype_value, bytes, text) \
  if (dtype == dtype_value) return FindChannelKernels##name(target);
  SIMDNORM_FOR_EACH_STORAGE(SIMDNORM_FIND_CHANNEL_KERNELS)
#undef SIMDNORM_FIND_CHANNEL_KERNELS
  return nullptr;
}

int64_t ChannelKernelTargets() {
  int64_t targets = ~int64_t{0};
#define SIMDNORM_CHANNEL_KERNEL_TARGETS(name, dtype_value, bytes, text) \
  targets &= ChannelKernelTargets##name();
  SIMDNORM_FOR_EACH_STORAGE(SIMDNORM_CHANNEL_KERNEL_TARGETS)
#undef SIMDNORM_CHANNEL_KERNEL_TARGETS
  return targets;
}

}  // namespace simdnorm::internal
