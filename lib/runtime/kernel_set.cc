#include "runtime/kernel_set.h"

namespace simdnorm::internal {

bool ResolveKernelSet(int64_t target, KernelSet* out) {
  KernelSet set;
  set.target = target;
  for (int i = 0; i < kStorageTypes; ++i) {
    const auto dtype = static_cast<simdnorm_dtype>(i);
    set.row_by_dtype[i] = FindRowKernels(target, dtype);
    set.channel_by_dtype[i] = FindChannelKernels(target, dtype);
    if (set.row_by_dtype[i] == nullptr || set.channel_by_dtype[i] == nullptr) {
      return false;
    }
  }
  set.row = set.row_by_dtype[SIMDNORM_F32];
  set.coefficients = FindCoefficientKernels(target);
  if (set.coefficients == nullptr) return false;
  *out = set;
  return true;
}

int64_t KernelSetTargets() {
  return RowKernelTargets() & ChannelKernelTargets() &
         CoefficientKernelTargets();
}

}  // namespace simdnorm::internal
