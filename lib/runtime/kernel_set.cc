#include "runtime/kernel_set.h"

namespace simdnorm::internal {

bool ResolveKernelSet(int64_t target, KernelSet* out) {
  KernelSet set;
  set.target = target;
  for (int dtype = 0; dtype < kStorageTypes; ++dtype) {
    set.row_by_dtype[dtype] =
        FindRowKernels(target, static_cast<simdnorm_dtype>(dtype));
    if (set.row_by_dtype[dtype] == nullptr) return false;
  }
  set.row = set.row_by_dtype[SIMDNORM_F32];
  set.channel = FindChannelKernels(target);
  if (set.channel == nullptr) return false;
  *out = set;
  return true;
}

int64_t KernelSetTargets() {
  return RowKernelTargets() & ChannelKernelTargets();
}

}  // namespace simdnorm::internal
