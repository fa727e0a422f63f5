// The kernel tables of every op family for one ISA target.
#ifndef SIMDNORM_RUNTIME_KERNEL_SET_H_
#define SIMDNORM_RUNTIME_KERNEL_SET_H_

#include <cstdint>

#include "common/storage.h"
#include "kernels/channel_kernels.h"
#include "kernels/coefficient_kernels.h"
#include "kernels/row_kernels.h"

namespace simdnorm::internal {

struct KernelSet {
  int64_t target = 0;
  const RowKernels* row = nullptr;  // fp32 (lane count, fp32-only users)
  // Kernels by storage type (simdnorm_dtype value).
  const RowKernels* row_by_dtype[kStorageTypes] = {};
  const ChannelKernels* channel_by_dtype[kStorageTypes] = {};
  const CoefficientKernels* coefficients = nullptr;
  const RowKernels& RowFor(simdnorm_dtype dtype) const {
    return *row_by_dtype[dtype];
  }
  const ChannelKernels& ChannelFor(simdnorm_dtype dtype) const {
    return *channel_by_dtype[dtype];
  }
};

// False if some family was not compiled for `target`.
bool ResolveKernelSet(int64_t target, KernelSet* out);
// Targets compiled into every family.
int64_t KernelSetTargets();

}  // namespace simdnorm::internal

#endif  // SIMDNORM_RUNTIME_KERNEL_SET_H_
