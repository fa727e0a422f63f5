// The kernel tables of every op family for one ISA target.
#ifndef SIMDNORM_RUNTIME_KERNEL_SET_H_
#define SIMDNORM_RUNTIME_KERNEL_SET_H_

#include <cstdint>

#include "kernels/channel_kernels.h"
#include "kernels/row_kernels.h"

namespace simdnorm::internal {

struct KernelSet {
  int64_t target = 0;
  const RowKernels* row = nullptr;
  const ChannelKernels* channel = nullptr;
};

// False if some family was not compiled for `target`.
bool ResolveKernelSet(int64_t target, KernelSet* out);
// Targets compiled into every family.
int64_t KernelSetTargets();

}  // namespace simdnorm::internal

#endif  // SIMDNORM_RUNTIME_KERNEL_SET_H_
