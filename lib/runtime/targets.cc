#include "runtime/targets.h"

#include <strings.h>

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

namespace {

// Another name users reach for: AVX-512 is Highway's AVX3.
constexpr const char* kAvx3Alias = "AVX512";

}  // namespace

int64_t TargetFromName(const char* name) {
  if (::strcasecmp(name, kAvx3Alias) == 0) {
    return CompiledTargets() & HWY_AVX3;
  }
  for (int64_t targets = CompiledTargets(); targets != 0;
       targets &= targets - 1) {
    const int64_t target = targets & -targets;
    if (::strcasecmp(name, hwy::TargetName(target)) == 0) return target;
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

std::string AcceptedTargetNames() {
  std::string names = "best";
  for (int64_t targets = CompiledTargets(); targets != 0;
       targets &= targets - 1) {
    const int64_t target = targets & -targets;
    names += ", ";
    names += hwy::TargetName(target);
    if (target == HWY_AVX3) names += std::string(" (or ") + kAvx3Alias + ")";
  }
  return names;
}

}  // namespace simdnorm::internal
