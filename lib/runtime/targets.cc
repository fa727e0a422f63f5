#include "runtime/targets.h"

#include <cstring>

#include "hwy/targets.h"
#include "runtime/kernel_set.h"

namespace simdnorm::internal {

int64_t CompiledTargets() {
  static const int64_t targets = KernelSetTargets();
  return targets;
}

int64_t SupportedTargets() {
  // hwy::SupportedTargets() also lists targets this build lacks.
  static const int64_t targets = hwy::SupportedTargets() & CompiledTargets();
  return targets;
}

int64_t BestTarget() {
  const int64_t targets = SupportedTargets();
  return targets & -targets;  // lowest bit = best target
}

const char* TargetName(int64_t target) { return hwy::TargetName(target); }

int64_t TargetFromName(const char* name) {
  for (int bit = 0; bit < 63; ++bit) {
    const int64_t target = int64_t{1} << bit;
    if ((CompiledTargets() & target) &&
        std::strcmp(name, hwy::TargetName(target)) == 0) {
      return target;
    }
  }
  return 0;
}

std::string TargetList(int64_t targets) {
  std::string list;
  for (; targets != 0; targets &= targets - 1) {
    if (!list.empty()) list += ',';
    list += hwy::TargetName(targets & -targets);
  }
  return list;
}

}  // namespace simdnorm::internal
