#include "runtime/cache_size.h"

#include <unistd.h>

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define SIMDNORM_HAVE_CPUID 1
#else
#define SIMDNORM_HAVE_CPUID 0
#endif

namespace simdnorm::internal {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;

#if SIMDNORM_HAVE_CPUID
bool IsAmd() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(0, &a, &b, &c, &d) == 0) return false;
  return b == 0x68747541u && d == 0x69746E65u && c == 0x444D4163u;
}

// The largest data or unified cache in a deterministic cache-parameters
// leaf (4 on Intel, 0x8000001D on AMD), whose sizes are per instance: what
// the cores sharing it see. 0 where the leaf is missing (hypervisors often
// hide it).
int64_t DeterministicLeafCacheBytes(unsigned leaf) {
  if (__get_cpuid_max(leaf & 0x80000000u, nullptr) < leaf) return 0;
  if (leaf == 0x8000001Du) {  // needs the topology extensions
    unsigned a = 0, b = 0, c = 0, d = 0;
    __cpuid(0x80000001u, a, b, c, d);
    if ((c & (1u << 22)) == 0) return 0;
  }
  int64_t best = 0;
  unsigned best_level = 0;
  for (unsigned sub = 0; sub < 16; ++sub) {
    unsigned a = 0, b = 0, c = 0, d = 0;
    __cpuid_count(leaf, sub, a, b, c, d);
    const unsigned type = a & 31u;  // 0: no more caches; 2: instructions
    if (type == 0) break;
    if (type == 2) continue;
    const unsigned level = (a >> 5) & 7u;
    const int64_t bytes = int64_t{((b >> 22) & 0x3FFu) + 1} *
                          (((b >> 12) & 0x3FFu) + 1) * ((b & 0xFFFu) + 1) *
                          (int64_t{c} + 1);
    if (level >= best_level) {
      best_level = level;
      best = bytes;
    }
  }
  return best;
}
#endif

int64_t SysconfCacheBytes() {
  long bytes = ::sysconf(_SC_LEVEL3_CACHE_SIZE);
  if (bytes <= 0) bytes = ::sysconf(_SC_LEVEL2_CACHE_SIZE);
  return bytes > 0 ? bytes : 0;
}

}  // namespace

int64_t LastLevelCacheBytes() {
  static const int64_t bytes = [] {
    int64_t llc = 0;
#if SIMDNORM_HAVE_CPUID
    const bool amd = IsAmd();
    llc = DeterministicLeafCacheBytes(amd ? 0x8000001Du : 4u);
    if (llc == 0) {
      llc = SysconfCacheBytes();
      // Without the per-instance leaf, AMD's size (CPUID 0x80000006, which
      // glibc reports) can be the whole package's: 508 MiB on a Zen 5 VM
      // whose core complex holds 32 MiB, the most one has without stacked
      // cache.
      if (amd) llc = std::min(llc, 32 * kMiB);
    }
#else
    llc = SysconfCacheBytes();
#endif
    if (llc <= 0) return 8 * kMiB;
    return std::max(kMiB, llc);
  }();
  return bytes;
}

int64_t DefaultStreamBytes() {
  // Intel (2-core Xeon VM, 36 MiB LLC): LayerNorm with a 32 MiB y ran at
  // 1.08x memcpy stored normally, 1.37x streamed; there the cache is the
  // limit. AMD (Zen 5 VM, 32 MiB L3): LayerNorm 4096x768 (12.6 MB y) took
  // 715-837 us stored normally and 535-570 us streamed, 8192x768
  // 1915-1999 us and 1254-1500 us; at 6 MB and below both were the same.
  // Its non-temporal stores are cheap, and writing back to a victim L3
  // that x also passes through is not.
#if SIMDNORM_HAVE_CPUID
  if (IsAmd()) return std::max(kMiB, LastLevelCacheBytes() / 4);
#endif
  return LastLevelCacheBytes();
}

}  // namespace simdnorm::internal
