#include "common/cpu_features.h"

#include <cstdlib>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace simdnorm::internal {
namespace {

bool CpuHasAvx512Bf16() {
#if defined(__x86_64__) || defined(__i386__)
  // CPUID.(EAX=7, ECX=1):EAX bit 5. The OS's saving of the AVX-512 state
  // needs no check here: only AVX3 kernels, which Highway selects after
  // checking it, ask.
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  unsigned a = 0, b = 0, c = 0, d = 0;
  __cpuid_count(7, 1, a, b, c, d);
  return (a & (1u << 5)) != 0;
#else
  return false;
#endif
}

}  // namespace

bool UseAvx512Bf16() {
  static const bool use = [] {
    const char* off = std::getenv("SIMDNORM_NO_AVX512_BF16");
    return (off == nullptr || off[0] == '\0') && CpuHasAvx512Bf16();
  }();
  return use;
}

}  // namespace simdnorm::internal
