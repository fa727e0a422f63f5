// The channel kernel tables of every storage type
// (channel_kernels_<type>.cc).
#include "kernels/channel_kernels.h"

#include "kernels/storage_tables.h"

namespace simdnorm::internal {

SIMDNORM_DEFINE_STORAGE_LOOKUP(ChannelKernels, FindChannelKernels,
                               ChannelKernelTargets)

}  // namespace simdnorm::internal
