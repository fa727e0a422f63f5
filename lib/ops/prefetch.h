// When a normalize pass prefetches the x that its thread reads next (the
// next unit or channel): the one rule of the channel ops.
#ifndef SIMDNORM_OPS_PREFETCH_H_
#define SIMDNORM_OPS_PREFETCH_H_

#include <cstdint>

#include "runtime/tuning.h"

namespace simdnorm::internal {

// Largest unit whose successor is prefetched during its normalize pass
// (the two together stay within about half of a typical 1-2 MiB L2).
constexpr int64_t kPrefetchUnitBytes = 512 * 1024;

// Both units fit in L2 together, and x comes from memory: x and y
// (tensor_bytes) exceed the last-level cache. From memory, the prefetches
// overlap its latency with the normalize pass (GroupNorm NCHW
// 32x64x56x56 G32: 1.09x memcpy with, 1.34x without); on cache-resident
// data they only add traffic beside y's stores (1x320x64x64 G32: 1.47x
// with, 1.30x without).
inline bool PrefetchNextUnit(int64_t unit_bytes, int64_t tensor_bytes) {
  return unit_bytes <= kPrefetchUnitBytes &&
         tensor_bytes > LastLevelCacheBytes();
}

}  // namespace simdnorm::internal

#endif  // SIMDNORM_OPS_PREFETCH_H_
