#include "runtime/kernel_set.h"

namespace simdnorm::internal {

bool ResolveKernelSet(int64_t target, KernelSet* out) {
  KernelSet set;
  set.target = target;
  set.row = FindRowKernels(target);
  set.channel = FindChannelKernels(target);
  if (set.row == nullptr || set.channel == nullptr) return false;
  *out = set;
  return true;
}

int64_t KernelSetTargets() {
  return RowKernelTargets() & ChannelKernelTargets();
}

}  // namespace simdnorm::internal
